package dev.apollo.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.apollo.cli.CliHarness;
import dev.apollo.tokenizer.Kind;
import dev.apollo.tokenizer.TokenizerTraining;
import dev.apollo.worker.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster on real processes over loopback: a run's metrics and checkpoint do not depend on how many worker
 * processes computed it, the multi-node commands form the same run, and bad joiners are refused without harm.
 */
@Tag("scenarios")
@Timeout(300)
class ClusterRunTest {

    /** Two stage changes (steps 5 and 10 of 20), four micro-batches of two sequences, a checkpoint at the end. */
    private static final List<String> RUN = List.of("--set", "train.steps=20", "--set", "train.micro-batch-size=2",
            "--set", "train.checkpoint-every=0");
    private static final Pattern ADDRESS = Pattern.compile("coordinator at (\\S+:\\d+)");
    private static final List<String> LONGER = List.of("--set", "train.steps=300", "--set", "train.eval-every=10",
            "--set", "train.checkpoint-every=50");
    private static final Pattern PIDS = Pattern.compile("pids \\[([0-9, ]+)]");

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
    void threeWorkerProcessesGiveTheMetricsAndCheckpointOfOneAndLeaveNothingBehind(@TempDir Path dir)
            throws Exception {
        for (int workers : new int[] {3}) { // other counts, in one JVM: InProcessClusterTest
            Path run = dir.resolve("w" + workers);
            CliHarness.Outcome outcome = CliHarness.run(train(run, "--workers", Integer.toString(workers)));
            assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
            assertTrue(outcome.out().contains(workers + " worker processes"), outcome.out());
            assertEquals(CliHarness.metricsWithoutClocks(alone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(alone), checkpointDigests(run));
            Matcher pids = PIDS.matcher(outcome.out());
            assertTrue(pids.find(), outcome.out());
            for (String pid : pids.group(1).split(", ")) {
                assertTrue(ProcessHandle.of(Long.parseLong(pid)).isEmpty(), "worker " + pid + " outlived its run");
                try (var left = Files.list(Path.of("/dev/shm"))) {
                    assertEquals(List.of(), left.filter(p -> p.getFileName().toString()
                            .matches("apollo-\\w+-" + pid + "-.*")).toList(), "Aeron directories left");
                }
            }
        }
    }

    @Test
    void aRunCheckpointedByThreeWorkerProcessesResumesOnFewerOrInOneProcessExactly(@TempDir Path dir) throws Exception {
        for (int[] counts : new int[][] {{3, 2}, {3, 1}}) { // on more workers, in one JVM: InProcessClusterTest
            Path first = dir.resolve("first-on-" + counts[0]);
            if (!Files.exists(first)) {
                List<String> firstArgs = train(first, "--workers", Integer.toString(counts[0]));
                firstArgs.addAll(List.of("--set", "train.checkpoint-every=10"));
                assertEquals(0, CliHarness.run(firstArgs).exitCode());
            }
            int workers = counts[1];
            Path resumed = dir.resolve(counts[0] + "-resumed-on-" + workers);
            CliHarness.Outcome outcome = CliHarness.run(List.of("train", "--resume",
                    first.resolve("checkpoints/step-00000010").toString(), "--out", resumed.toString(), "--workers",
                    Integer.toString(workers)));
            assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
            assertTrue(outcome.out().contains("resuming at step 10"), outcome.out());
            assertEquals(CliHarness.metricsWithoutClocks(first).stream().filter(row -> CliHarness.stepOf(row) > 10).toList(),
                    CliHarness.metricsWithoutClocks(resumed));
            assertEquals(CliHarness.fileDigests(first.resolve("checkpoints/step-00000020")),
                    CliHarness.fileDigests(resumed.resolve("checkpoints/step-00000020")));
        }
    }

    @Test
    void coordinatorAndTwoWorkerCommandsOnLoopbackTrainTheSameTokenizedRunOverTls(@TempDir Path dir) throws Exception {
        Path store = Processes.selfSignedStore(dir);
        List<String> tls = List.of("--keystore", store.toString(), "--truststore", store.toString());
        // with a BPE: the coordinator tokenizes the corpus into the cache, the workers read it
        Path bpe = TokenizerTraining.train(corpus, Kind.BPE, 300, dir.resolve("bpe"));
        List<String> tokenizer = List.of("--set", "data.tokenizer=\"" + bpe + "\"", "--set",
                "data.token-cache=\"" + dir.resolve("token-cache") + "\"");
        Path aloneBpe = dir.resolve("alone-bpe");
        List<String> aloneArgs = train(aloneBpe, "--workers", "1");
        aloneArgs.addAll(tokenizer);
        CliHarness.Outcome outcome = CliHarness.run(aloneArgs);
        assertEquals(0, outcome.exitCode(), outcome.err());
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("nodes");
            List<String> extra = new ArrayList<>(tls);
            extra.addAll(tokenizer);
            Processes.Started coordinator = processes.apollo("s3cret", coordinator("127.0.0.1:0", 2, run, extra));
            String address = Processes.await(coordinator, ADDRESS, 60);
            assertTrue(coordinator.text().contains("apollo worker --join " + address), coordinator.text());
            List<String> workerArgs = worker(address);
            workerArgs.addAll(tls);
            Processes.Started first = processes.apollo("s3cret", workerArgs);
            Processes.Started second = processes.apollo("s3cret", workerArgs);

            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            assertEquals(0, Processes.exitCode(first, 60), first.text());
            assertEquals(0, Processes.exitCode(second, 60), second.text());
            assertTrue(first.text().contains("released by the coordinator"), first.text());
            assertTrue(second.text().contains("token ids from the cache"), second.text());
            assertEquals(CliHarness.metricsWithoutClocks(aloneBpe), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(aloneBpe), checkpointDigests(run));
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void workersOnTwoHostsJoinedByAVethPairTrainTheSameRunOverUdp(@TempDir Path dir) throws Exception {
        try (NetworkNamespaces hosts = NetworkNamespaces.create()) {
            Assumptions.assumeTrue(hosts != null, "needs root and ip netns: skipped");
            try (Processes processes = new Processes()) {
                Path run = dir.resolve("two-hosts");
                Processes.Started coordinator = processes.apollo(NetworkNamespaces.in(hosts.first), "s3cret",
                        coordinator(hosts.firstAddress + ":0", 2, run, List.of()));
                String address = Processes.await(coordinator, ADDRESS, 60);
                Processes.Started near = processes.apollo(NetworkNamespaces.in(hosts.first), "s3cret",
                        worker(address));
                Processes.Started far = processes.apollo(NetworkNamespaces.in(hosts.second), "s3cret",
                        worker(address));

                assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
                assertEquals(0, Processes.exitCode(near, 60), near.text());
                assertEquals(0, Processes.exitCode(far, 60), far.text());
                assertTrue(coordinator.text().contains("worker processes") || coordinator.text().contains("joined"),
                        coordinator.text());
                assertEquals(CliHarness.metricsWithoutClocks(alone), CliHarness.metricsWithoutClocks(run));
                assertEquals(checkpointDigests(alone), checkpointDigests(run));
                assertEquals(List.of(), processes.aeronDirectoriesLeft());
            }
        }
    }

    @Test
    void aWorkerKilledAnotherJoiningOneToldToLeaveAndBadJoinersRefusedLeaveTheUndisturbedNumbers(@TempDir Path dir)
            throws Exception {
        Path longAlone = longAlone();
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("elastic");
            Processes.Started coordinator = processes.apollo("s3cret", longCoordinator(run, 3));
            String address = Processes.await(coordinator, ADDRESS, 60);
            List<Processes.Started> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(processes.apollo("s3cret", worker(address)));
            }
            Processes.await(coordinator, Pattern.compile("(worker-\\d joined \\(cpu\\(\\)\\), 3 of 3)"), 90);
            Processes.await(coordinator, Pattern.compile("step ([2-9]\\d|\\d{3})/300"), 90); // into the run
            Processes.Started killed = workers.remove(2);
            killed.process().destroyForcibly(); // SIGKILL: no goodbye
            killed.process().waitFor();

            Processes.Started joiner = processes.apollo("s3cret", worker(address));
            Processes.Started wrongSecret = processes.apollo("guess", worker(address));
            List<String> wider = worker(address);
            wider.addAll(List.of("--set", "model.d-model=64"));
            Processes.Started wrongModel = processes.apollo("s3cret", wider);
            List<String> otherData = worker(address);
            otherData.set(otherData.indexOf(corpus.toString()), otherCorpus(dir).toString());
            Processes.Started wrongCorpus = processes.apollo("s3cret", otherData);
            assertEquals(2, Processes.exitCode(wrongSecret, 60), wrongSecret.text());
            assertTrue(wrongSecret.text().contains("was refused by the coordinator"), wrongSecret.text());
            assertEquals(2, Processes.exitCode(wrongCorpus, 60), wrongCorpus.text());
            assertTrue(wrongCorpus.text().contains("refused to join: another corpus"), wrongCorpus.text());
            assertEquals(2, Processes.exitCode(wrongModel, 60), wrongModel.text());
            assertTrue(wrongModel.text().contains("refused to join: another model shape"), wrongModel.text());
            Processes.await(joiner, Pattern.compile("(worker-\\d admitted at step )"), 90);

            // the first worker is told to go by an operator, not by a signal
            Processes.Started leaving = workers.get(0);
            String leavingId = Processes.await(leaving, Pattern.compile("joined the run as (worker-\\d)"), 10);
            Processes.Started leave = processes.apollo("s3cret", List.of("leave", "--worker", leavingId,
                    "--coordinator", address));
            assertEquals(0, Processes.exitCode(leave, 60), leave.text());
            assertTrue(leave.text().contains(leavingId + " leaves the run after its step"), leave.text());
            assertEquals(0, Processes.exitCode(leaving, 120), leaving.text());
            assertTrue(leaving.text().contains(leavingId + " released by the coordinator"), leaving.text());

            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            assertEquals(0, Processes.exitCode(workers.get(1), 60), workers.get(1).text());
            assertEquals(0, Processes.exitCode(joiner, 60), joiner.text());
            assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(longAlone), checkpointDigests(run));
            String summary = Files.readString(run.resolve("summary.json"));
            assertTrue(summary.contains("\"joined\": 4") && summary.contains("\"left\": 1")
                    && summary.contains("\"lost\": 1"), summary);
            assertTrue(coordinator.text().contains("refused to join: another model shape"), coordinator.text());
            // a SIGKILL leaves its Aeron directory; the next process to start would remove it
            AeronDirectories.removeLeftBy(killed.process().pid());
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void theCoordinatorKilledMidStageAndResumedGetsItsWorkersBackAndTheUndisturbedNumbers(@TempDir Path dir)
            throws Exception {
        Path longAlone = longAlone();
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("restarted");
            Processes.Started first = processes.apollo("s3cret", longCoordinator(run, 2));
            String address = Processes.await(first, ADDRESS, 60);
            List<Processes.Started> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                List<String> args = worker(address);
                args.addAll(List.of("--rejoin-timeout", "60"));
                workers.add(processes.apollo("s3cret", args));
            }
            // past the checkpoint at step 50, inside the first stage (steps 0-74)
            Processes.await(first, Pattern.compile("step (5[3-9]|6\\d)/300"), 120);
            first.process().destroyForcibly();
            first.process().waitFor();
            assertTrue(Files.isDirectory(run.resolve("checkpoints/step-00000050")), "the checkpoint to resume");

            Processes.Started resumed = processes.apollo("s3cret", List.of("coordinator", "--bind", address,
                    "--workers", "2", "--resume", run.toString()));
            assertEquals(0, Processes.exitCode(resumed, 240), resumed.text());
            for (Processes.Started worker : workers) {
                assertEquals(0, Processes.exitCode(worker, 60), worker.text());
                assertTrue(worker.text().contains("looking for it at " + address + " again"), worker.text());
            }
            assertTrue(resumed.text().contains("resuming at step 50"), resumed.text());
            assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
            assertEquals(CliHarness.fileDigests(longAlone.resolve("checkpoints/step-00000300")),
                    CliHarness.fileDigests(run.resolve("checkpoints/step-00000300")));
            String summary = Files.readString(run.resolve("summary.json"));
            assertTrue(summary.contains("\"restarts\": 1") && summary.contains("\"joined\": 4"), summary);
            AeronDirectories.removeLeftBy(first.process().pid());
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void aWorkerThatStopsAnsweringIsDetectedTheRunGoesOnAndTheWokenProcessIsNoGhost(@TempDir Path dir)
            throws Exception {
        Path longAlone = longAlone();
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("paused");
            Processes.Started coordinator = processes.apollo("s3cret", longCoordinator(run, 2));
            String address = Processes.await(coordinator, ADDRESS, 60);
            Processes.Started steady = processes.apollo("s3cret", worker(address));
            List<String> pausedArgs = worker(address);
            pausedArgs.addAll(List.of("--rejoin-timeout", "20"));
            Processes.Started paused = processes.apollo("s3cret", pausedArgs);
            String pausedId = Processes.await(paused, Pattern.compile("joined the run as (worker-\\d)"), 90);
            Processes.await(coordinator, Pattern.compile("step ([2-9]\\d|\\d{3})/300"), 90);
            double stoppedAt = System.currentTimeMillis() / 1000.0;
            signal("STOP", paused);
            JsonObject lost = awaitRow(run, "\"event\":\"lost\"", 60);
            signal("CONT", paused);

            assertEquals(pausedId, lost.get("worker").getAsString());
            double detectedAfter = lost.get("time").getAsDouble() - stoppedAt;
            assertTrue(detectedAfter < 30, "detected after " + detectedAfter + " s");
            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            assertEquals(0, Processes.exitCode(steady, 60), steady.text());
            // woken, it learns it was declared dead and never speaks as that member again: it joins again under a new
            // id with a copy of the state if the run is still going (the restarted coordinator's test shows that
            // path), or gives up after its --rejoin-timeout
            int pausedExit = Processes.exitCode(paused, 90);
            assertTrue(paused.text().contains("looking for it at"), paused.text());
            assertTrue(!paused.text().contains(pausedId + " released"), paused.text());
            assertTrue(pausedExit == 1 || paused.text().contains("admitted at step"), paused.text());
            assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(longAlone), checkpointDigests(run));
            String summary = Files.readString(run.resolve("summary.json"));
            assertTrue(summary.contains("\"lost\": 1"), summary);
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void aWorkerCutOffByTheNetworkIsDownedTheRunGoesOnAndTheHealedProcessIsNoGhost(@TempDir Path dir)
            throws Exception {
        try (NetworkNamespaces hosts = NetworkNamespaces.create()) {
            Assumptions.assumeTrue(hosts != null, "needs root and ip netns: skipped");
            Path longAlone = longAlone();
            try (Processes processes = new Processes()) {
                Path run = dir.resolve("partitioned");
                Processes.Started coordinator = processes.apollo(NetworkNamespaces.in(hosts.first), "s3cret",
                        coordinator(hosts.firstAddress + ":0", 2, run, LONGER));
                String address = Processes.await(coordinator, ADDRESS, 60);
                Processes.Started near = processes.apollo(NetworkNamespaces.in(hosts.first), "s3cret",
                        worker(address));
                List<String> farArgs = worker(address);
                farArgs.addAll(List.of("--rejoin-timeout", "20"));
                Processes.Started far = processes.apollo(NetworkNamespaces.in(hosts.second), "s3cret", farArgs);
                String farId = Processes.await(far, Pattern.compile("joined the run as (worker-\\d)"), 90);
                Processes.await(coordinator, Pattern.compile("step ([2-9]\\d|\\d{3})/300"), 90);
                hosts.link(false);
                JsonObject lost = awaitRow(run, "\"event\":\"lost\"", 60);
                // the far side has no coordinator: it downs itself, so there are never two runs
                Processes.await(far, Pattern.compile("(looking for it at)"), 60);
                hosts.link(true);

                assertEquals(farId, lost.get("worker").getAsString());
                assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
                assertEquals(0, Processes.exitCode(near, 60), near.text());
                // healed, the process never speaks as its old member again: it ends, or comes back under a new id
                int farExit = Processes.exitCode(far, 90);
                assertTrue(!far.text().contains(farId + " released"), far.text());
                assertTrue(farExit == 1 || far.text().contains("admitted at step"), far.text());
                assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
                assertEquals(checkpointDigests(longAlone), checkpointDigests(run));
                String summary = Files.readString(run.resolve("summary.json"));
                assertTrue(summary.contains("\"lost\": 1"), summary);
                assertEquals(List.of(), processes.aeronDirectoriesLeft());
            }
        }
    }

    /** Waits for a row of the run's metrics.jsonl that contains {@code text}. */
    private static JsonObject awaitRow(Path run, String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Path metrics = run.resolve("metrics.jsonl");
        while (System.nanoTime() < deadline) {
            if (Files.exists(metrics)) {
                for (String line : Files.readAllLines(metrics)) {
                    if (line.contains(text)) {
                        return JsonParser.parseString(line).getAsJsonObject();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no row with " + text + " in " + metrics + " within " + seconds + " s");
    }

    private static void signal(String name, Processes.Started process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.process().pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name);
    }

    /** A 300-step run alone: long enough that a worker's JVM starts, or one is killed, while others train. */
    private static synchronized Path longAlone() {
        Path run = shared.resolve("long-alone");
        if (!Files.exists(run.resolve("summary.json"))) {
            List<String> args = train(run);
            args.addAll(LONGER);
            assertEquals(0, CliHarness.run(args).exitCode());
        }
        return run;
    }

    private static List<String> longCoordinator(Path run, int workers) {
        return coordinator("127.0.0.1:0", workers, run, LONGER);
    }

    /** {@code apollo coordinator} at {@code bind} for {@code workers} training the test's run, {@code extra} last. */
    private static List<String> coordinator(String bind, int workers, Path run, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("coordinator", "--bind", bind, "--workers",
                Integer.toString(workers)));
        List<String> train = train(run);
        args.addAll(train.subList(1, train.size()));
        args.addAll(extra);
        return args;
    }

    @Test
    void belowTheMinimumTheRunWaitsForJoinsThenExitsWithItsReasonAndTheCheckpointIntact(@TempDir Path dir)
            throws Exception {
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("starved");
            Processes.Started coordinator = processes.apollo("s3cret", coordinator("127.0.0.1:0", 2, run,
                    List.of("--set", "train.steps=300", "--set", "train.checkpoint-every=10", "--set",
                            "cluster.min-workers=2", "--set", "cluster.join-timeout=15s")));
            String address = Processes.await(coordinator, ADDRESS, 60);
            Processes.Started staying = processes.apollo("s3cret", worker(address));
            Processes.Started killed = processes.apollo("s3cret", worker(address));
            Processes.await(coordinator, Pattern.compile("step (1[3-9]|[2-9]\\d|\\d{3})/300"), 120);
            killed.process().destroyForcibly();
            killed.process().waitFor();
            long killedAt = System.nanoTime();

            assertEquals(1, Processes.exitCode(coordinator, 120), coordinator.text());
            double waited = (System.nanoTime() - killedAt) / 1e9;
            assertTrue(waited >= 15 && waited < 90, "exited " + waited + " s after the loss");
            assertTrue(coordinator.text().contains("fewer than cluster.min-workers (2)"), coordinator.text());
            assertEquals(0, Processes.exitCode(staying, 60), staying.text());
            assertTrue(CheckpointStore.read(run.resolve("checkpoints")).manifest().nextStep() >= 10,
                    "the last checkpoint reads");
            AeronDirectories.removeLeftBy(killed.process().pid());
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    private static Path otherCorpus(Path dir) throws IOException {
        Path other = dir.resolve("other.txt");
        Files.writeString(other, Files.readString(corpus).replace("fox", "cat"));
        return other;
    }

    @Test
    void aWorkerWhoseCoordinatorNeverComesBackGivesUpAfterItsRejoinTimeout(@TempDir Path dir) throws Exception {
        try (Processes processes = new Processes()) {
            Processes.Started coordinator = processes.apollo("s3cret", longCoordinator(dir.resolve("orphaned"), 1));
            String address = Processes.await(coordinator, ADDRESS, 60);
            List<String> args = worker(address);
            args.addAll(List.of("--rejoin-timeout", "3"));
            Processes.Started orphan = processes.apollo("s3cret", args);
            Processes.await(coordinator, Pattern.compile("step ([5-9]|\\d{2,3})/300"), 90);
            coordinator.process().destroyForcibly();
            coordinator.process().waitFor();
            long killedAt = System.nanoTime();

            assertEquals(1, Processes.exitCode(orphan, 90), orphan.text());
            assertTrue(orphan.text().contains("the coordinator did not come back within 3 s (--rejoin-timeout)"),
                    orphan.text());
            assertTrue((System.nanoTime() - killedAt) / 1e9 < 60, "gave up in time");
            AeronDirectories.removeLeftBy(coordinator.process().pid());
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void aWorkerWithNoCoordinatorToJoinGivesUpWithinItsTimeout() throws Exception {
        try (Processes processes = new Processes()) {
            long started = System.nanoTime();
            Processes.Started lonely = processes.apollo("s3cret", List.of("worker", "--join", "127.0.0.1:9",
                    "--join-timeout", "3"));
            assertEquals(1, Processes.exitCode(lonely, 60), lonely.text());
            assertTrue(lonely.text().contains("apollo worker: "), lonely.text());
            assertTrue((System.nanoTime() - started) / 1e9 < 40, "gave up in time");
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void aCoordinatorWithoutASecretIsAUsageError(@TempDir Path dir) {
        // the in-process CLI reads the real environment: only meaningful where no secret is set
        if (System.getenv(dev.apollo.cluster.ClusterSecret.ENV) == null) {
            List<String> args = new ArrayList<>(List.of("coordinator", "--bind", "127.0.0.1:0"));
            args.addAll(train(dir.resolve("x")).subList(1, train(dir.resolve("x")).size()));
            CliHarness.Outcome outcome = CliHarness.run(args);
            assertEquals(2, outcome.exitCode());
            assertTrue(outcome.err().startsWith("apollo: no cluster secret"), outcome.err());
            assertTrue(Files.notExists(dir.resolve("x")), "nothing written");
        }
    }

    private static List<String> train(Path out, String... extra) {
        List<String> args = new ArrayList<>(CliHarness.train(corpus, out));
        args.addAll(RUN);
        args.addAll(List.of(extra));
        return args;
    }

    private static List<String> worker(String address) {
        return new ArrayList<>(List.of("worker", "--join", address, "--data", corpus.toString(), "--join-timeout",
                "30"));
    }

    private static List<String> checkpointDigests(Path run) throws IOException {
        return CliHarness.fileDigests(run.resolve("checkpoints"));
    }

}
