package dev.apollo.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.apollo.cli.CliHarness;
import dev.apollo.worker.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train command end to end: outputs, determinism, bit-identical resume, expansions, divergence. */
class TrainCommandTest {

    @TempDir
    static Path dir;
    static Path corpus;
    static Path firstRun;

    @BeforeAll
    static void trainOnce() throws IOException {
        corpus = CliHarness.corpus(dir);
        firstRun = dir.resolve("first");
        var outcome = CliHarness.run(CliHarness.train(corpus, firstRun));
        assertEquals(0, outcome.exitCode(), outcome.err());
    }

    @Test
    void writesMetricsSummaryCheckpointsAndPlot() throws IOException {
        List<String> rows = Files.readAllLines(firstRun.resolve("metrics.jsonl"));
        Gson gson = new Gson();
        List<JsonObject> train = rows.stream().map(r -> gson.fromJson(r, JsonObject.class))
                .filter(r -> r.get("type").getAsString().equals("train")).toList();
        assertEquals(40, train.size());
        for (String key : List.of("step", "stage", "weights", "depth", "loss", "lr", "tokens", "flops", "wall", "work")) {
            assertTrue(train.get(0).has(key), key);
        }
        // the worker's busy time is part of the wall time: over the run, never more than all of it
        double work = train.stream().mapToDouble(r -> r.get("work").getAsDouble()).sum();
        assertTrue(work > 0 && work < train.get(39).get("wall").getAsDouble(), "work " + work);
        assertEquals(40 * 8 * 16, train.get(39).get("tokens").getAsLong());
        // stages [1,2,4] start at steps 0, 10, 20: the rows' weights follow the schedule
        assertEquals(1, train.get(9).get("weights").getAsInt());
        assertEquals(2, train.get(10).get("weights").getAsInt());
        assertEquals(4, train.get(20).get("weights").getAsInt());
        for (JsonObject row : train) {
            int depth = row.get("depth").getAsInt();
            assertTrue(depth >= row.get("weights").getAsInt() && depth <= 4, row.toString());
        }
        long validations = rows.stream().filter(r -> r.contains("\"val\"")).count();
        assertEquals(4, validations);
        assertTrue(train.get(39).get("loss").getAsDouble() < train.get(0).get("loss").getAsDouble() - 1.0);
        JsonObject summary = gson.fromJson(Files.readString(firstRun.resolve("summary.json")), JsonObject.class);
        assertEquals(40, summary.get("steps").getAsInt());
        assertTrue(summary.get("flopsRatioToScratch").getAsDouble() < 1.0);
        assertEquals(0, summary.getAsJsonObject("workers").get("skippedSteps").getAsInt());
        assertTrue(Files.isDirectory(firstRun.resolve("checkpoints/step-00000020")));
        assertTrue(Files.isDirectory(firstRun.resolve("checkpoints/step-00000040")));
        assertTrue(Files.size(firstRun.resolve("loss.png")) > 1000);
        assertTrue(Files.exists(firstRun.resolve("config.conf")));
    }

    @Test
    void sameSeedAndConfigGiveBitIdenticalMetrics() throws IOException {
        Path second = dir.resolve("second");
        assertEquals(0, CliHarness.run(CliHarness.train(corpus, second)).exitCode());
        assertEquals(CliHarness.metricsWithoutClocks(firstRun), CliHarness.metricsWithoutClocks(second));
        Path otherSeed = dir.resolve("other-seed");
        assertEquals(0, CliHarness.run(CliHarness.train(corpus, otherSeed, "--seed", "99")).exitCode());
        assertTrue(!CliHarness.metricsWithoutClocks(firstRun).equals(CliHarness.metricsWithoutClocks(otherSeed)));
    }

    @Test
    void resumeFromAMidRunCheckpointContinuesBitIdentically() throws IOException {
        Path resumed = dir.resolve("resumed");
        var outcome = CliHarness.run(List.of("train", "--resume", firstRun.resolve("checkpoints/step-00000020").toString(),
                "--out", resumed.toString()));
        assertEquals(0, outcome.exitCode(), outcome.err());
        List<String> original = CliHarness.metricsWithoutClocks(firstRun);
        List<String> continued = CliHarness.metricsWithoutClocks(resumed);
        List<String> originalTail = original.stream().filter(r -> stepOf(r) > 20).toList();
        assertEquals(originalTail, continued);
    }

    @Test
    void resumeIntoItsOwnRunDirectoryKeepsEverything() throws IOException {
        Path run = dir.resolve("own");
        assertEquals(0, CliHarness.run(CliHarness.train(corpus, run)).exitCode());
        List<String> before = Files.readAllLines(run.resolve("metrics.jsonl"));
        var outcome = CliHarness.run(List.of("train", "--resume", run.resolve("checkpoints/step-00000020").toString()));
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals(before, Files.readAllLines(run.resolve("metrics.before-resume-20.jsonl")));
        assertEquals(CliHarness.metricsWithoutClocks(dir.resolve("first")), CliHarness.metricsWithoutClocks(run));
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-00000040.superseded-1")));
    }

    @Test
    void bertWithStackingNoSamplingAndResetMomentsTrains() throws IOException {
        Path run = dir.resolve("bert");
        var outcome = CliHarness.run(CliHarness.train(corpus, run, "--set", "model.objective=bert",
                "--set", "model.vocab-size=260", "--set", "stages.sharing=stacking", "--set", "stages.expansion=stacking",
                "--set", "sampler.kind=none", "--set", "optimizer.moments-at-expansion=reset"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        Gson gson = new Gson();
        List<JsonObject> train = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(r -> gson.fromJson(r, JsonObject.class)).filter(r -> r.get("type").getAsString().equals("train"))
                .toList();
        assertEquals(40, train.size());
        for (JsonObject row : train) {
            assertEquals(row.get("weights").getAsInt(), row.get("depth").getAsInt(), "no sampling: depth is N(s)");
        }
        double first = train.get(0).get("loss").getAsDouble();
        double last = train.get(39).get("loss").getAsDouble();
        assertTrue(last < first - 0.5, "masked LM loss fell from " + first + " to " + last);
    }

    @Test
    void aDivergingRunSkipsItsNonFiniteStepsThenStopsWithItsReasonAndItsCheckpointsIntact() throws Exception {
        // the first run once more from its checkpoint at step 20, at a rate that blows the parameters up in one step:
        // step 21 is finite, and from then on the forward pass overflows
        Path run = dir.resolve("diverged");
        copyTree(firstRun, run);
        List<String> checkpoints = CliHarness.fileDigests(run.resolve("checkpoints"));

        var outcome = CliHarness.run(CliHarness.train(corpus, run, "--resume",
                run.resolve("checkpoints/step-00000020").toString(), "--set", "optimizer.lr=1e30",
                "--set", "train.max-skipped-steps=3"));

        assertEquals(1, outcome.exitCode(), outcome.out() + outcome.err());
        String reason = "3 steps in a row (steps 22-24) had a non-finite loss or gradient (train.max-skipped-steps = 3);"
                + " the last checkpoint is intact: try a lower optimizer.lr or a longer warmup";
        assertTrue(outcome.err().lines().anyMatch(("apollo: run failed: " + reason)::equals), outcome.err());
        assertTrue(outcome.out().contains("step 22 skipped: its loss or gradient was not finite, no update applied "
                + "(1 in a row)"), outcome.out());
        Gson gson = new Gson();
        List<JsonObject> rows = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(r -> gson.fromJson(r, JsonObject.class)).filter(r -> r.get("step").getAsLong() > 20).toList();
        assertEquals(List.of("train 21", "skipped 22", "skipped 23", "skipped 24"),
                rows.stream().map(r -> r.get("type").getAsString() + " " + r.get("step").getAsLong()).toList());
        assertTrue(Double.isFinite(rows.get(0).get("loss").getAsDouble()), rows.get(0).toString());
        for (int i = 1; i < rows.size(); i++) {
            JsonObject skipped = rows.get(i);
            assertEquals(i, skipped.get("inARow").getAsInt(), skipped.toString());
            assertEquals((20 + i + 1) * 8 * 16, skipped.get("tokens").getAsLong(), "a skipped step's tokens count");
            assertEquals(1e30, skipped.get("lr").getAsDouble(), skipped.toString());
            assertTrue(!skipped.has("loss") && !skipped.has("gradNorm"), skipped.toString());
        }
        assertEquals(checkpoints, CliHarness.fileDigests(run.resolve("checkpoints")), "no checkpoint written or changed");
        assertEquals(20, CheckpointStore.read(run.resolve("checkpoints/step-00000020")).snapshot().nextStep());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    private static long stepOf(String row) {
        return new Gson().fromJson(row, JsonObject.class).get("step").getAsLong();
    }
}
