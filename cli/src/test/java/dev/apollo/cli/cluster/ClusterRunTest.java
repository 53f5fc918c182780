package dev.apollo.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster on real processes over loopback: a run's metrics and checkpoint do not depend on how many worker
 * processes computed it, the multi-node commands form the same run, and bad joiners are refused without harm.
 */
@Timeout(300)
class ClusterRunTest {

    /** Two stage changes (steps 5 and 10 of 20), four micro-batches of two sequences, a checkpoint at the end. */
    private static final List<String> RUN = List.of("--set", "train.steps=20", "--set", "train.micro-batch-size=2",
            "--set", "train.checkpoint-every=0");
    private static final Pattern ADDRESS = Pattern.compile("coordinator at (\\S+:\\d+)");
    private static final List<String> LONGER = List.of("--set", "train.steps=300", "--set", "train.eval-every=10");
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
    void twoAndThreeWorkerProcessesGiveTheMetricsAndCheckpointOfOne(@TempDir Path dir) throws Exception {
        for (int workers : new int[] {2, 3}) {
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
    void aRunCheckpointedByThreeWorkersResumesOnTwoOrOneExactly(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        List<String> firstArgs = train(first, "--workers", "3");
        firstArgs.addAll(List.of("--set", "train.checkpoint-every=10"));
        assertEquals(0, CliHarness.run(firstArgs).exitCode());
        for (int workers : new int[] {2, 1}) {
            Path resumed = dir.resolve("resumed-on-" + workers);
            CliHarness.Outcome outcome = CliHarness.run(List.of("train", "--resume",
                    first.resolve("checkpoints/step-00000010").toString(), "--out", resumed.toString(), "--workers",
                    Integer.toString(workers)));
            assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
            assertTrue(outcome.out().contains("resuming at step 10"), outcome.out());
            assertEquals(CliHarness.metricsWithoutClocks(first).stream().filter(row -> stepOf(row) > 10).toList(),
                    CliHarness.metricsWithoutClocks(resumed));
            assertEquals(fileDigests(first.resolve("checkpoints/step-00000020")),
                    fileDigests(resumed.resolve("checkpoints/step-00000020")));
        }
    }

    @Test
    void coordinatorAndTwoWorkerCommandsOnLoopbackTrainTheSameRunOverTls(@TempDir Path dir) throws Exception {
        Path store = Processes.selfSignedStore(dir);
        List<String> tls = List.of("--keystore", store.toString(), "--truststore", store.toString());
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("nodes");
            Processes.Started coordinator = processes.apollo("s3cret", coordinator("127.0.0.1:0", 2, run, tls));
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
            assertEquals(CliHarness.metricsWithoutClocks(alone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(alone), checkpointDigests(run));
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
    void aWorkerJoiningMidRunIsAdmittedWithTheStateAndTheRunStaysExact(@TempDir Path dir) throws Exception {
        Path longAlone = longAlone();
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("grown");
            Processes.Started coordinator = processes.apollo("s3cret", longCoordinator(run, 1));
            String address = Processes.await(coordinator, ADDRESS, 60);
            Processes.Started first = processes.apollo("s3cret", worker(address));
            Processes.await(coordinator, Pattern.compile("(worker-0 joined)"), 60);
            Processes.Started second = processes.apollo("s3cret", worker(address));

            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            assertEquals(0, Processes.exitCode(first, 60), first.text());
            assertEquals(0, Processes.exitCode(second, 60), second.text());
            assertTrue(coordinator.text().contains("worker-1 joined (cpu()) mid-run"), coordinator.text());
            assertTrue(second.text().contains("worker-1 admitted at step "), second.text());
            assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(longAlone), checkpointDigests(run));
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void aWorkerKilledMidRunIsLeftBehindAndTheRunEndsWithTheUndisturbedNumbers(@TempDir Path dir) throws Exception {
        Path longAlone = longAlone();
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("shrunk");
            Processes.Started coordinator = processes.apollo("s3cret", longCoordinator(run, 3));
            String address = Processes.await(coordinator, ADDRESS, 60);
            List<Processes.Started> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(processes.apollo("s3cret", worker(address)));
            }
            Processes.await(coordinator, Pattern.compile("(worker-\\d joined \\(cpu\\(\\)\\), 3 of 3)"), 90);
            Processes.await(coordinator, Pattern.compile("step ([2-9]\\d|\\d{3})/300"), 90); // well into the run
            Processes.Started killed = workers.remove(1);
            killed.process().destroyForcibly(); // SIGKILL: no goodbye
            killed.process().waitFor();

            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            for (Processes.Started survivor : workers) {
                assertEquals(0, Processes.exitCode(survivor, 60), survivor.text());
            }
            assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(longAlone), checkpointDigests(run));
            String summary = Files.readString(run.resolve("summary.json"));
            assertTrue(summary.contains("\"joined\": 3") && summary.contains("\"lost\": 1"), summary);
            Processes.removeAeronDirectoryOf(killed); // a SIGKILL leaves it; the next process to start would remove it
            assertEquals(List.of(), processes.aeronDirectoriesLeft());
        }
    }

    @Test
    void aWorkerToldToStopLeavesAfterItsStepAndTheRunGoesOnExactly(@TempDir Path dir) throws Exception {
        Path longAlone = longAlone();
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("left");
            Processes.Started coordinator = processes.apollo("s3cret", longCoordinator(run, 2));
            String address = Processes.await(coordinator, ADDRESS, 60);
            Processes.Started staying = processes.apollo("s3cret", worker(address));
            Processes.Started leaving = processes.apollo("s3cret", worker(address));
            Processes.await(coordinator, Pattern.compile("(worker-\\d joined \\(cpu\\(\\)\\), 2 of 2)"), 90);
            Processes.await(coordinator, Pattern.compile("step ([2-9]\\d|\\d{3})/300"), 90);
            leaving.process().toHandle().destroy(); // SIGTERM; Process.destroy would also close our end of its output

            assertEquals(0, Processes.exitCode(leaving, 120), leaving.text());
            assertTrue(leaving.text().contains("leaves after its step"), leaving.text());
            assertTrue(leaving.text().contains("released by the coordinator"), leaving.text());
            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            assertEquals(0, Processes.exitCode(staying, 60), staying.text());
            assertEquals(CliHarness.metricsWithoutClocks(longAlone), CliHarness.metricsWithoutClocks(run));
            assertEquals(checkpointDigests(longAlone), checkpointDigests(run));
            String summary = Files.readString(run.resolve("summary.json"));
            assertTrue(summary.contains("\"left\": 1") && summary.contains("\"lost\": 0")
                    && summary.contains("\"rerunSteps\": 0"), summary);
            assertTrue(coordinator.text().contains(" 1 worker"), coordinator.text()); // the progress line counts them
            assertEquals(List.of(), processes.aeronDirectoriesLeft()); // the leaving one removed its own too
        }
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
    void joinersWithAnotherSecretCorpusOrModelAreRefusedAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        Path otherCorpus = dir.resolve("other.txt");
        Files.writeString(otherCorpus, Files.readString(corpus).replace("fox", "cat"));
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("refusals");
            Processes.Started coordinator = processes.apollo("s3cret", coordinator("127.0.0.1:0", 1, run, List.of()));
            String address = Processes.await(coordinator, ADDRESS, 60);

            Processes.Started wrongSecret = processes.apollo("guess", worker(address));
            assertEquals(2, Processes.exitCode(wrongSecret, 60), wrongSecret.text());
            assertTrue(wrongSecret.text().contains("was refused by the coordinator"), wrongSecret.text());

            List<String> otherData = new ArrayList<>(worker(address));
            otherData.set(otherData.indexOf(corpus.toString()), otherCorpus.toString());
            Processes.Started wrongCorpus = processes.apollo("s3cret", otherData);
            assertEquals(2, Processes.exitCode(wrongCorpus, 60), wrongCorpus.text());
            assertTrue(wrongCorpus.text().contains("refused to join: another corpus"), wrongCorpus.text());

            List<String> wider = new ArrayList<>(worker(address));
            wider.addAll(List.of("--set", "model.d-model=64"));
            Processes.Started wrongModel = processes.apollo("s3cret", wider);
            assertEquals(2, Processes.exitCode(wrongModel, 60), wrongModel.text());
            assertTrue(wrongModel.text().contains("refused to join: another model shape"), wrongModel.text());

            Processes.Started good = processes.apollo("s3cret", worker(address));
            assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
            assertEquals(0, Processes.exitCode(good, 60), good.text());
            assertTrue(coordinator.text().contains("refused to join: another corpus"), coordinator.text());
            assertEquals(CliHarness.metricsWithoutClocks(alone), CliHarness.metricsWithoutClocks(run));
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

    private static List<String> checkpointDigests(Path run) throws IOException, NoSuchAlgorithmException {
        return fileDigests(run.resolve("checkpoints"));
    }

    /** The SHA-256 of every file under {@code dir}, by relative path. */
    private static List<String> fileDigests(Path dir) throws IOException, NoSuchAlgorithmException {
        List<String> digests = new ArrayList<>();
        try (var files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                digests.add(dir.relativize(file) + " " + HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        }
        return digests;
    }

    private static long stepOf(String metricsRow) {
        Matcher step = Pattern.compile("\"step\":(\\d+)").matcher(metricsRow);
        assertTrue(step.find(), metricsRow);
        return Long.parseLong(step.group(1));
    }
}
