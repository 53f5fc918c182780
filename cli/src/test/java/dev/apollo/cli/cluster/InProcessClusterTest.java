package dev.apollo.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster in one JVM: a coordinator and its workers as threads, each worker with its own cluster node (Artery
 * on loopback) and its own stream on the coordinator's media driver, the production code path of a cluster run
 * without a process to start. Metrics and checkpoints do not depend on the worker count, and a run checkpointed
 * by some workers resumes on another count exactly.
 */
@Timeout(240)
class InProcessClusterTest {


    @TempDir
    static Path shared;
    static Path corpus;
    static Path alone;

    @BeforeAll
    static void trainAlone() throws IOException {
        corpus = CliHarness.corpus(shared);
        alone = shared.resolve("alone");
        CliHarness.Outcome outcome = CliHarness.run(train(alone, "--workers", "1"));
        assertEquals(0, outcome.exitCode(), outcome.err());
    }

    @Test
    void twoAndThreeWorkersGiveTheMetricsAndCheckpointsOfOneAndResumeOnAnotherCountExactly(@TempDir Path dir)
            throws Exception {
        for (int workers : new int[] {2, 3}) {
            Path run = dir.resolve("w" + workers);
            CliHarness.Outcome outcome = CliHarness.run(train(run, "--workers", Integer.toString(workers),
                    "--in-process"));
            assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
            assertTrue(outcome.out().contains(workers + " workers as threads of this process"), outcome.out());
            assertEquals(CliHarness.metricsWithoutClocks(alone), CliHarness.metricsWithoutClocks(run));
            assertEquals(CliHarness.fileDigests(alone.resolve("checkpoints/step-00000020")),
                    CliHarness.fileDigests(run.resolve("checkpoints/step-00000020")));
        }
        for (int[] counts : new int[][] {{3, 2}, {2, 3}}) { // checkpointed by some, resumed on fewer or more
            Path resumed = dir.resolve(counts[0] + "-resumed-on-" + counts[1]);
            CliHarness.Outcome outcome = CliHarness.run(List.of("train", "--resume",
                    dir.resolve("w" + counts[0] + "/checkpoints/step-00000010").toString(), "--out",
                    resumed.toString(), "--workers", Integer.toString(counts[1]), "--in-process"));
            assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
            assertTrue(outcome.out().contains("resuming at step 10"), outcome.out());
            assertEquals(CliHarness.metricsWithoutClocks(alone).stream().filter(row -> CliHarness.stepOf(row) > 10).toList(),
                    CliHarness.metricsWithoutClocks(resumed));
            assertEquals(CliHarness.fileDigests(alone.resolve("checkpoints/step-00000020")),
                    CliHarness.fileDigests(resumed.resolve("checkpoints/step-00000020")));
        }
        try (var left = Files.list(Path.of("/dev/shm"))) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString()
                    .startsWith("apollo-coordinator-" + ProcessHandle.current().pid() + "-")).toList(),
                    "Aeron directories left");
        }
    }

    @Test
    void inProcessWorkersNeedAClusterOfTwoOrMore(@TempDir Path dir) {
        CliHarness.Outcome outcome = CliHarness.run(train(dir.resolve("one"), "--workers", "1", "--in-process"));
        assertEquals(2, outcome.exitCode(), outcome.out());
        assertTrue(outcome.err().contains("--in-process"), outcome.err());
    }

    private static List<String> train(Path out, String... extra) {
        return ShortRun.train(corpus, out, extra);
    }
}
