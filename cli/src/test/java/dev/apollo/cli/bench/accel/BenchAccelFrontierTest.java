package dev.apollo.cli.bench.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench accel --budgets}: the frontier sweep, its cooldown branches, its report and its reuse. */
class BenchAccelFrontierTest {

    @TempDir
    Path dir;

    private List<String> sweep(Path corpus, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("bench", "accel", "--data", corpus.toString(), "--out",
                out.toString(), "--methods", "scratch,apollo"));
        args.addAll(List.of(extra));
        args.addAll(CliHarness.SMALL_MODEL);
        return args;
    }

    @Test
    void cooldownBranchesAreTheRunsTheirSchedulesGiveAndTheReportReadsThem() throws IOException {
        Path corpus = CliHarness.corpus(dir);
        Path out = dir.resolve("frontier");
        List<String> args = sweep(corpus, out, "--budgets", "16,32", "--seeds", "2", "--plans", "paper,2-4@0.5",
                "--cooldown-branches", "--json", dir.resolve("frontier.json").toString());
        var outcome = CliHarness.run(args);
        assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());

        String result = outcome.out().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
        for (String key : List.of("RESULT best_flops_saving=", " best_at_loss=", " best_method=", " crossover_flops=",
                " runs=12 ")) {
            assertTrue(result.contains(key), key + " in " + result);
        }
        assertTrue(Files.readString(dir.resolve("frontier.json")).contains("\"best_method\""));
        // 3 lines (scratch; apollo with each plan) x 2 budgets x 2 seeds
        assertEquals(13, Files.readAllLines(out.resolve("points.csv")).size());
        assertEquals(7, Files.readAllLines(out.resolve("frontier.csv")).size());
        String report = Files.readString(out.resolve("report.md"));
        for (String section : List.of("## Where growth pays off", "### The frontier", "### Savings in FLOPs",
                "### Savings in training seconds", "### Who leads where", "### Loss spikes", "### What the measurements show",
                "### Cooldown branches against independent runs at 16 steps", "| apollo@2-4 |",
                "frontier_flops.png", "frontier_wall.png", "## Configuration")) {
            assertTrue(report.contains(section), section);
        }
        for (String png : List.of("frontier_flops.png", "frontier_wall.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        assertTrue(Files.notExists(out.resolve("apollo").resolve("seed-0").resolve("budget-32").resolve("checkpoints")),
                "the trunk's states are deleted once its branches ran");

        // the 16-step branch of the late plan ends before its growth at step 16, sharing 2 weights over 4 layers;
        // trained from scratch by its own configuration it gives the same loss, to the bit
        Path branch = out.resolve("apollo@2-4").resolve("seed-1").resolve("budget-16");
        String config = Files.readString(branch.resolve("config.conf"));
        assertTrue(config.contains("layers = [2]") && config.contains("boundary-unit = steps"), config);
        Path alone = dir.resolve("alone");
        var trained = CliHarness.run(List.of("train", "--config", branch.resolve("config.conf").toString(), "--data",
                corpus.toString(), "--out", alone.toString()));
        assertEquals(0, trained.exitCode(), trained.err());
        assertEquals(finalValidationLoss(alone), point(branch).get("loss").getAsDouble());

        var again = CliHarness.run(args);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("holds this sweep"), again.out());
        assertTrue(again.out().lines().noneMatch(l -> l.contains("validation loss")), "nothing trained again");
        assertEquals(result, again.out().lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow(),
                "the same points give the same figures");

        var other = CliHarness.run(sweep(corpus, out, "--budgets", "16,32", "--seeds", "3", "--plans",
                "paper,2-4@0.5", "--cooldown-branches"));
        assertEquals(2, other.exitCode());
        assertTrue(other.err().contains("holds another sweep"), other.err());

        Path broken = out.resolve("scratch").resolve("seed-0").resolve("budget-16");
        Files.writeString(broken.resolve("point.json"), "{\"line\": \"scratch\", \"loss\":");
        var corrupt = CliHarness.run(args);
        assertEquals(2, corrupt.exitCode(), corrupt.out() + corrupt.err());
        assertTrue(corrupt.err().contains("is not a sweep point; delete " + broken), corrupt.err());
        assertEquals(report, Files.readString(out.resolve("report.md")), "the report stands");
    }

    @Test
    void independentRunsScaleEachScheduleToItsBudget() throws IOException {
        Path corpus = CliHarness.corpus(dir);
        Path out = dir.resolve("independent");
        var outcome = CliHarness.run(sweep(corpus, out, "--budgets", "12,24"));
        assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
        String config = Files.readString(out.resolve("apollo").resolve("seed-0").resolve("budget-12")
                .resolve("config.conf"));
        assertTrue(config.contains("steps = 12") && config.contains("boundaries = [0.25, 0.5]")
                && config.contains("boundary-unit = fraction"), config);
        assertTrue(Files.readString(out.resolve("report.md")).contains("Independent runs at budgets of 12, 24 steps"));
    }

    @Test
    void badSweepsAreUsageErrors() {
        assertUsageError("--budgets compares every method with scratch", "--budgets", "10,20", "--methods", "apollo");
        assertUsageError("--budgets [20, 20]: distinct step counts", "--budgets", "20,20");
        assertUsageError("--cooldown-branches, --seeds, --plans and --check-budget need --budgets", "--seeds", "3");
        assertUsageError("--check-budget 30: needs --cooldown-branches and one of --budgets", "--budgets", "10,20",
                "--cooldown-branches", "--check-budget", "30");
        assertUsageError("--plans 2-8@0.5: the last stage must hold all 4 layers", "--budgets", "10,20", "--plans",
                "2-8@0.5");
        assertUsageError("the smallest, 10, is shorter than the trunk's warmup", "--budgets", "10,400",
                "--cooldown-branches", "--set", "schedule.warmup-fraction=0.1");
        assertUsageError("--cooldown-branches needs schedule.decay = wsd", "--budgets", "10,20", "--cooldown-branches",
                "--set", "schedule.decay=cosine");
    }

    private void assertUsageError(String expected, String... args) {
        List<String> all = new ArrayList<>(List.of("bench", "accel", "--out", dir.resolve("bad").toString()));
        all.addAll(List.of(args));
        all.addAll(CliHarness.SMALL_MODEL);
        var outcome = CliHarness.run(all);
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        assertTrue(outcome.err().contains(expected), outcome.err());
        assertTrue(Files.notExists(dir.resolve("bad").resolve("points.csv")), "nothing written");
    }

    private static JsonObject point(Path at) throws IOException {
        return new Gson().fromJson(Files.readString(at.resolve("point.json")), JsonObject.class);
    }

    private static double finalValidationLoss(Path run) throws IOException {
        List<String> rows = Files.readAllLines(run.resolve("metrics.jsonl"));
        return rows.stream().map(r -> new Gson().fromJson(r, JsonObject.class))
                .filter(r -> r.get("type").getAsString().equals("val")).reduce((a, b) -> b).orElseThrow()
                .get("valLossFull").getAsDouble();
    }
}
