package dev.apollo.cli.bench.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench accel --quick} runs the whole pipeline and writes a complete report. */
class BenchAccelCommandTest {

    @TempDir
    Path dir;

    @Test
    void quickRunWritesACompleteReport() throws IOException {
        Path corpus = CliHarness.corpus(dir);
        Path out = dir.resolve("accel");
        List<String> args = new ArrayList<>(List.of("bench", "accel", "--quick", "--data", corpus.toString(),
                "--out", out.toString(), "--methods", "scratch,stackbert,apollo,us", "--json",
                dir.resolve("accel.json").toString()));
        args.addAll(CliHarness.SMALL_MODEL);
        var outcome = CliHarness.run(args);
        assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());

        String result = outcome.out().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
        assertTrue(result.startsWith("RESULT apollo_flops_saving="), result);
        assertTrue(result.contains(" stackbert_flops_saving="), result);
        assertTrue(result.contains(" unigram_loss=") && result.contains(" scratch_on_plateau="), result);
        assertTrue(Files.readString(dir.resolve("accel.json")).contains("\"apollo_wall_saving\""));
        List<String> rows = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(5, rows.size());
        String report = Files.readString(out.resolve("report.md"));
        for (String section : List.of("## Results", "## Ranking", "## Expansions", "## Validation loss at equal FLOPs",
                "## Savings against scratch's earlier losses",
                "## Plots", "## Configuration", "apollo bench accel --quick", "Unigram baseline")) {
            assertTrue(report.contains(section), section);
        }
        assertTrue(report.contains("| apollo | 12 | 2 -> 4 |"), "the expansion at step 12 is in the table");
        for (String png : List.of("loss_vs_flops.png", "loss_vs_wall.png", "depth_apollo.png", "depth_us.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        assertTrue(Files.notExists(out.resolve("depth_scratch.png")), "nothing sampled, no histogram");

        var again = CliHarness.run(args);
        assertEquals(2, again.exitCode(), "an existing report is not overwritten");
    }

    @Test
    void unknownMethodIsAUsageError() {
        var outcome = CliHarness.run(List.of("bench", "accel", "--quick", "--methods", "scratch,apolo"));
        assertEquals(2, outcome.exitCode());
        assertTrue(outcome.err().contains("unknown method 'apolo'"), outcome.err());
    }
}
