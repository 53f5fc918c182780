package dev.apollo.cli.cluster;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.apollo.cli.CliHarness;
import dev.apollo.run.cluster.AeronDirectories;
import dev.apollo.tokenizer.Kind;
import dev.apollo.tokenizer.TokenizerTraining;
import dev.apollo.worker.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster on real processes over loopback: a run's metrics and checkpoint do not depend on how many worker
 * processes computed it, the multi-node commands form the same run, and bad joiners are refused without harm.
 */
@Tag("scenarios")
@Timeout(300)
class ClusterRunTest {

    private static final Pattern ADDRESS = Pattern.compile("coordinator at (\\S+:\\d+)");
    /** Long enough that a worker's JVM starts, or one is killed, while others train. */
    private static final List<String> LONGER = List.of("--set", "train.steps=300", "--set", "train.eval-every=10",
            "--set", "train.checkpoint-every=50");
    /** Long enough for a coordinator's restart and then a kill, a join, a freeze and a leave, one after another. */
    private static final List<String> LONGEST = List.of("--set", "train.steps=400", "--set", "train.eval-every=10",
            "--set", "train.checkpoint-every=50");
    private static final Pattern PIDS = Pattern.compile("pids \\[([0-9, ]+)]");
    private static final Pattern STEP = Pattern.compile("step (\\d+)/\\d+");
    private static final Pattern JOINED_AS = Pattern.compile("joined the run as (worker-\\d+)");
    private static final Pattern ADMITTED = Pattern.compile("(worker-\\d+) admitted at step ");

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
    void theLocalLauncherTrainsOnThreeWorkerProcessesAsOneAndTheRunResumesOnFewer(@TempDir Path dir)
            throws Exception {
        Phases phases = new Phases("train --workers 3");
        Path first = dir.resolve("on-3");
        phases.run("three worker processes give one's numbers and leave nothing behind", () -> {
            // 2 and 3 workers, in one JVM: InProcessClusterTest
            CliHarness.Outcome outcome = CliHarness.run(train(first, "--workers", "3"));
            assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
            assertTrue(outcome.out().contains("3 worker processes"), outcome.out());
            assertEquals(CliHarness.metricsWithoutClocks(alone), CliHarness.metricsWithoutClocks(first));
            assertEquals(checkpointDigests(alone), checkpointDigests(first));
            Matcher pids = PIDS.matcher(outcome.out());
            assertTrue(pids.find(), outcome.out());
            for (String pid : pids.group(1).split(", ")) {
                assertTrue(ProcessHandle.of(Long.parseLong(pid)).isEmpty(), "worker " + pid + " outlived its run");
                try (var left = Files.list(Path.of("/dev/shm"))) {
                    assertEquals(List.of(), left.filter(p -> p.getFileName().toString()
                            .matches("apollo-\\w+-" + pid + "-.*")).toList(), "Aeron directories left");
                }
            }
        });
        for (int workers : new int[] {2, 1}) { // on more workers, in one JVM: InProcessClusterTest
            phases.run("its checkpoint at step 10 resumed on " + workers + " exactly", () -> {
                Path resumed = dir.resolve("resumed-on-" + workers);
                CliHarness.Outcome outcome = CliHarness.run(List.of("train", "--resume",
                        first.resolve("checkpoints/step-00000010").toString(), "--out", resumed.toString(),
                        "--workers", Integer.toString(workers)));
                assertEquals(0, outcome.exitCode(), outcome.out() + outcome.err());
                assertTrue(outcome.out().contains("resuming at step 10"), outcome.out());
                assertEquals(CliHarness.metricsWithoutClocks(first).stream()
                        .filter(row -> CliHarness.stepOf(row) > 10).toList(), CliHarness.metricsWithoutClocks(resumed));
                assertEquals(CliHarness.fileDigests(first.resolve("checkpoints/step-00000020")),
                        CliHarness.fileDigests(resumed.resolve("checkpoints/step-00000020")));
            });
        }
    }

    /**
     * One run of the multi-node commands over TLS with a BPE tokenizer, through everything an elastic run meets, ending
     * with the numbers of the same run alone. The coordinator's restart comes first: every later phase then has the
     * rest of the run to happen in, whatever this machine's speed.
     */
    @Test
    @Timeout(540)
    void oneRunOverTlsOutlivesACoordinatorRestartBadJoinersAKillAJoinAFreezeAndALeave(@TempDir Path dir)
            throws Exception {
        Path reference = aloneWithBpe(LONGEST);
        Phases phases = new Phases("one run over TLS");
        try (Processes processes = new Processes()) {
            Path run = dir.resolve("run");
            Path store = Processes.selfSignedStore(dir);
            List<String> tls = List.of("--keystore", store.toString(), "--truststore", store.toString());
            List<String> settings = new ArrayList<>(tls);
            settings.addAll(LONGEST);
            settings.addAll(bpeSettings());
            Processes.Started first = processes.apollo("s3cret", coordinator("127.0.0.1:0", 3, run, settings));
            String address = Processes.await(first, ADDRESS, 60);
            List<String> workerArgs = worker(address);
            workerArgs.addAll(tls);
            workerArgs.addAll(List.of("--rejoin-timeout", "60"));
            List<Processes.Started> workers = new ArrayList<>();
            phases.run("three workers join and read the BPE's token ids from the cache", () -> {
                assertTrue(first.text().contains("apollo worker --join " + address), first.text());
                for (int i = 0; i < 3; i++) {
                    workers.add(processes.apollo("s3cret", workerArgs));
                }
                for (Processes.Started worker : workers) {
                    Processes.await(worker, JOINED_AS, 90);
                }
                awaitStep(first, 20, 90);
                assertTrue(workers.get(0).text().contains("token ids from the cache"), workers.get(0).text());
            });
            Processes.Started coordinator = phases.get("the coordinator SIGKILLed after its first checkpoint is "
                    + "resumed, and its workers join it again as new members", () -> {
                awaitStep(first, 53, 120);
                first.process().destroyForcibly();
                first.process().waitFor();
                assertTrue(Files.isDirectory(run.resolve("checkpoints/step-00000050")), "the checkpoint to resume");
                List<String> args = new ArrayList<>(List.of("coordinator", "--bind", address, "--workers", "3",
                        "--resume", run.toString()));
                args.addAll(tls);
                Processes.Started resumed = processes.apollo("s3cret", args);
                Processes.await(resumed, Pattern.compile("(resuming at step 50)"), 60);
                for (Processes.Started worker : workers) {
                    awaitMatches(worker, JOINED_AS, 2, 90);
                    assertTrue(worker.text().contains("looking for it at " + address + " again"), worker.text());
                }
                awaitStep(resumed, 55, 90);
                return resumed;
            });
            List<String> ids = workers.stream().map(worker -> lastMatch(worker, JOINED_AS)).toList();
            // bad joiners start beside the next phase, which they must not disturb
            List<String> wider = new ArrayList<>(workerArgs);
            wider.addAll(List.of("--set", "model.d-model=64"));
            List<String> otherData = new ArrayList<>(workerArgs);
            otherData.set(otherData.indexOf(corpus.toString()), otherCorpus(dir).toString());
            Processes.Started wrongSecret = processes.apollo("guess", workerArgs);
            Processes.Started wrongModel = processes.apollo("s3cret", wider);
            Processes.Started wrongCorpus = processes.apollo("s3cret", otherData);
            Processes.Started killed = workers.get(2);
            Processes.Started joiner = phases.get("a worker SIGKILLed is lost and a new one admitted", () -> {
                killed.process().destroyForcibly(); // no goodbye
                killed.process().waitFor();
                awaitRow(run, 60, "\"event\":\"lost\"", "\"worker\":\"" + ids.get(2) + "\"");
                Processes.Started started = processes.apollo("s3cret", workerArgs);
                Processes.await(started, ADMITTED, 90);
                return started;
            });
            phases.run("joiners with another secret, model or corpus were refused", () -> {
                assertEquals(2, Processes.exitCode(wrongSecret, 60), wrongSecret.text());
                assertTrue(wrongSecret.text().contains("was refused by the coordinator"), wrongSecret.text());
                assertEquals(2, Processes.exitCode(wrongCorpus, 60), wrongCorpus.text());
                assertTrue(wrongCorpus.text().contains("refused to join: another corpus"), wrongCorpus.text());
                assertEquals(2, Processes.exitCode(wrongModel, 60), wrongModel.text());
                assertTrue(wrongModel.text().contains("refused to join: another model shape"), wrongModel.text());
                assertTrue(coordinator.text().contains("refused to join: another model shape"), coordinator.text());
            });
            Processes.Started frozen = workers.get(1);
            phases.run("a worker frozen by SIGSTOP is found lost in seconds and comes back as a new member", () -> {
                double stoppedAt = System.currentTimeMillis() / 1000.0;
                signal("STOP", frozen);
                JsonObject lost = awaitRow(run, 60, "\"event\":\"lost\"", "\"worker\":\"" + ids.get(1) + "\"");
                signal("CONT", frozen);
                double detectedAfter = lost.get("time").getAsDouble() - stoppedAt;
                assertTrue(detectedAfter < 30, "detected after " + detectedAfter + " s");
                // woken, it learns it was declared dead and never speaks as that member again
                String newId = Processes.await(frozen, ADMITTED, 90);
                assertTrue(!newId.equals(ids.get(1)), frozen.text());
            });
            Processes.Started leaving = workers.get(0);
            phases.run("a worker told to leave by an operator is released after its step", () -> {
                List<String> leaveArgs = new ArrayList<>(List.of("leave", "--worker", ids.get(0), "--coordinator",
                        address));
                leaveArgs.addAll(tls);
                Processes.Started leave = processes.apollo("s3cret", leaveArgs);
                assertEquals(0, Processes.exitCode(leave, 60), leave.text());
                assertTrue(leave.text().contains(ids.get(0) + " leaves the run after its step"), leave.text());
                assertEquals(0, Processes.exitCode(leaving, 120), leaving.text());
                assertTrue(leaving.text().contains(ids.get(0) + " released by the coordinator"), leaving.text());
            });
            phases.run("the run ends with the undisturbed numbers and leaves nothing behind", () -> {
                assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
                for (Processes.Started worker : List.of(joiner, frozen)) {
                    assertEquals(0, Processes.exitCode(worker, 60), worker.text());
                }
                assertEquals(CliHarness.metricsWithoutClocks(reference), CliHarness.metricsWithoutClocks(run));
                assertEquals(CliHarness.fileDigests(reference.resolve("checkpoints/step-00000400")),
                        CliHarness.fileDigests(run.resolve("checkpoints/step-00000400")));
                String summary = Files.readString(run.resolve("summary.json"));
                assertTrue(summary.contains("\"joined\": 8") && summary.contains("\"left\": 1")
                        && summary.contains("\"lost\": 2") && summary.contains("\"restarts\": 1"), summary);
                // a SIGKILL leaves its Aeron directory; the next process to start would remove it
                AeronDirectories.removeLeftBy(killed.process().pid());
                AeronDirectories.removeLeftBy(first.process().pid());
                assertEquals(List.of(), processes.aeronDirectoriesLeft());
            });
        }
    }

    /** Two "hosts" over UDP; the link between them cut mid-run and healed. */
    @Test
    @Timeout(420)
    void workersOnTwoHostsTrainOverUdpAndOneCutOffIsDownedWithoutAGhost(@TempDir Path dir) throws Exception {
        try (NetworkNamespaces hosts = NetworkNamespaces.create()) {
            Assumptions.assumeTrue(hosts != null, "needs root and ip netns: skipped");
            Path reference = aloneWithBpe(LONGER);
            Phases phases = new Phases("two hosts");
            try (Processes processes = new Processes()) {
                Path run = dir.resolve("two-hosts");
                List<String> settings = new ArrayList<>(LONGER);
                settings.addAll(bpeSettings());
                Processes.Started coordinator = processes.apollo(NetworkNamespaces.in(hosts.first), "s3cret",
                        coordinator(hosts.firstAddress + ":0", 2, run, settings));
                String address = Processes.await(coordinator, ADDRESS, 60);
                Processes.Started near = processes.apollo(NetworkNamespaces.in(hosts.first), "s3cret",
                        worker(address));
                List<String> farArgs = worker(address);
                farArgs.addAll(List.of("--rejoin-timeout", "8"));
                Processes.Started far = processes.apollo(NetworkNamespaces.in(hosts.second), "s3cret", farArgs);
                String farId = phases.get("a worker on each host joins over UDP", () -> {
                    String id = Processes.await(far, JOINED_AS, 90);
                    awaitStep(coordinator, 20, 90);
                    return id;
                });
                phases.run("the link cut: the far worker is lost, and downs itself", () -> {
                    hosts.link(false);
                    awaitRow(run, 60, "\"event\":\"lost\"", "\"worker\":\"" + farId + "\"");
                    // the far side has no coordinator: it downs itself, so there are never two runs
                    Processes.await(far, Pattern.compile("(looking for it at)"), 60);
                    hosts.link(true);
                });
                phases.run("healed, the far process never speaks as its old member", () -> {
                    assertEquals(0, Processes.exitCode(coordinator, 240), coordinator.text());
                    assertEquals(0, Processes.exitCode(near, 60), near.text());
                    int farExit = Processes.exitCode(far, 90); // it ends, or comes back under a new id
                    assertTrue(!far.text().contains(farId + " released"), far.text());
                    assertTrue(farExit == 1 || far.text().contains("admitted at step"), far.text());
                });
                phases.run("the run ends with the undisturbed numbers", () -> {
                    assertEquals(CliHarness.metricsWithoutClocks(reference), CliHarness.metricsWithoutClocks(run));
                    assertEquals(checkpointDigests(reference), checkpointDigests(run));
                    String summary = Files.readString(run.resolve("summary.json"));
                    assertTrue(summary.contains("\"lost\": 1"), summary);
                    assertEquals(List.of(), processes.aeronDirectoriesLeft());
                });
            }
        }
    }

    /** Waits for a row of the run's metrics.jsonl that contains every one of {@code texts}. */
    private static JsonObject awaitRow(Path run, long seconds, String... texts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Path metrics = run.resolve("metrics.jsonl");
        while (System.nanoTime() < deadline) {
            if (Files.exists(metrics)) {
                for (String line : Files.readAllLines(metrics)) {
                    if (Arrays.stream(texts).allMatch(line::contains)) {
                        return JsonParser.parseString(line).getAsJsonObject();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no row with " + List.of(texts) + " in " + metrics + " within " + seconds + " s");
    }

    /** The last match of {@code pattern}'s first group in what the process printed. */
    private static String lastMatch(Processes.Started process, Pattern pattern) {
        Matcher matcher = pattern.matcher(process.text());
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1);
        }
        if (last == null) {
            throw new AssertionError("no " + pattern + " in:\n" + process.text());
        }
        return last;
    }

    /** Waits until {@code pattern} matched {@code count} times in what the process printed. */
    private static void awaitMatches(Processes.Started process, Pattern pattern, int count, long seconds)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (pattern.matcher(process.text()).results().count() < count) {
            if (System.nanoTime() > deadline || !process.process().isAlive()) {
                throw new AssertionError(count + " times " + pattern + " not within " + seconds + " s:\n"
                        + process.text());
            }
            Thread.sleep(50);
        }
    }

    /** The last step the coordinator reported, 0 before the first. */
    private static int lastStep(Processes.Started coordinator) {
        Matcher steps = STEP.matcher(coordinator.text());
        int last = 0;
        while (steps.find()) {
            last = Integer.parseInt(steps.group(1));
        }
        return last;
    }

    /** Waits until the coordinator reports step {@code step} or later. */
    private static void awaitStep(Processes.Started coordinator, int step, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (lastStep(coordinator) < step) {
            if (System.nanoTime() > deadline || !coordinator.process().isAlive()) {
                throw new AssertionError("not at step " + step + " within " + seconds + " s:\n" + coordinator.text());
            }
            Thread.sleep(50);
        }
    }

    private static void signal(String name, Processes.Started process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.process().pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name);
    }

    /** The reference of a long scenario: the run alone with a BPE tokenizer and {@code length}'s settings. */
    private static synchronized Path aloneWithBpe(List<String> length) {
        Path run = shared.resolve("alone-bpe-" + String.join("-", length).replaceAll("\\W+", ""));
        if (!Files.exists(run.resolve("summary.json"))) {
            List<String> args = train(run);
            args.addAll(length);
            args.addAll(bpeSettings());
            CliHarness.Outcome outcome = CliHarness.run(args);
            assertEquals(0, outcome.exitCode(), outcome.err());
        }
        return run;
    }

    /** A BPE trained on the corpus; the coordinator tokenizes the corpus into the cache, the workers read it. */
    private static synchronized List<String> bpeSettings() {
        Path bpe = shared.resolve("bpe");
        try {
            if (!Files.exists(bpe)) {
                TokenizerTraining.train(corpus, Kind.BPE, 300, bpe);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of("--set", "data.tokenizer=\"" + bpe + "\"", "--set",
                "data.token-cache=\"" + shared.resolve("token-cache") + "\"");
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
                            "cluster.min-workers=2", "--set", "cluster.join-timeout=12s")));
            String address = Processes.await(coordinator, ADDRESS, 60);
            Processes.Started staying = processes.apollo("s3cret", worker(address));
            Processes.Started killed = processes.apollo("s3cret", worker(address));
            awaitStep(coordinator, 13, 120);
            killed.process().destroyForcibly();
            killed.process().waitFor();
            long killedAt = System.nanoTime();

            assertEquals(1, Processes.exitCode(coordinator, 120), coordinator.text());
            double waited = (System.nanoTime() - killedAt) / 1e9;
            assertTrue(waited >= 12 && waited < 90, "exited " + waited + " s after the loss");
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
            Processes.Started coordinator = processes.apollo("s3cret", coordinator("127.0.0.1:0", 1, dir.resolve("orphaned"), LONGER));
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
        return ShortRun.train(corpus, out, extra);
    }

    private static List<String> worker(String address) {
        return new ArrayList<>(List.of("worker", "--join", address, "--data", corpus.toString(), "--join-timeout",
                "30"));
    }

    private static List<String> checkpointDigests(Path run) throws IOException {
        return CliHarness.fileDigests(run.resolve("checkpoints"));
    }

}
