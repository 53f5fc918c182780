package dev.apollo.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench step} measures both paths at every depth asked for and reports the figures as RESULT and JSON. */
class BenchStepCommandTest {

    @TempDir
    Path dir;

    @Test
    void reportsRatioOverheadAndThroughputPerDepth() throws IOException {
        Path json = dir.resolve("step.json");
        List<String> args = new ArrayList<>(List.of("bench", "step", "--data", CliHarness.corpus(dir).toString(),
                "--depths", "1,2", "--measure-steps", "2", "--warmup-steps", "1", "--rounds", "1", "--json",
                json.toString()));
        args.addAll(CliHarness.SMALL_MODEL);
        var outcome = CliHarness.run(args);
        assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());

        String result = outcome.out().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
        var figures = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        for (String key : List.of("ratio_d1", "ratio_d2", "overhead_ms_d1", "tokens_per_s_d2", "plain_tokens_per_s_d1",
                "gflops_d2", "mean_ratio_d1", "path_ratio_d2", "path_overhead_ms_d1", "matmul_gflops", "min_path_ratio",
                "min_ratio")) {
            assertTrue(result.contains(" " + key + "=") || result.startsWith("RESULT " + key + "="), key);
            assertTrue(figures.has(key), key);
        }
        double min = Math.min(figures.get("ratio_d1").getAsDouble(), figures.get("ratio_d2").getAsDouble());
        assertEquals(min, figures.get("min_ratio").getAsDouble(), 1e-12);
        assertTrue(figures.get("tokens_per_s_d1").getAsDouble() > 0);
        // the worker's busy time is measured; whether it is below the step time over two steps is a timing, which
        // the listener's stamps (taken when a record arrives, possibly after the next step began) do not bound
        double pathRatio = figures.get("path_ratio_d1").getAsDouble();
        assertTrue(pathRatio > 0 && Double.isFinite(pathRatio), "path ratio " + pathRatio);
        assertTrue(Double.isFinite(figures.get("path_overhead_ms_d1").getAsDouble()));
    }

    @Test
    void nonPositiveCountsAreUsageErrors() {
        var outcome = CliHarness.run(List.of("bench", "step", "--rounds", "0"));
        assertEquals(2, outcome.exitCode());
        assertTrue(outcome.err().contains("--rounds"), outcome.err());
    }
}
