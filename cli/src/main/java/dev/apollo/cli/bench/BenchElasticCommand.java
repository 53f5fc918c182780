package dev.apollo.cli.bench;

import dev.apollo.cluster.NodeSettings;
import dev.apollo.experiments.BenchResult;
import dev.apollo.experiments.ElasticTimeline;
import dev.apollo.run.ChildProcesses;
import dev.apollo.run.Corpus;
import dev.apollo.run.MetricsLog;
import dev.apollo.run.UsageError;
import dev.apollo.run.cluster.AeronDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo bench elastic}: how fast a running cluster takes a new worker in and gets over losing one. A
 * coordinator ({@code apollo coordinator}) trains the tiny preset at full depth with one worker process
 * ({@code apollo worker}), one engine thread each; every round, a second worker process is started and joins
 * mid-run, and a few steps later the older worker is killed with SIGKILL, so the newcomer carries the run on. The
 * figures come from the coordinator's {@code metrics.jsonl} (its event rows and the time of every step) beside the
 * moments this process launched and killed a worker, on the same clock.
 */
@Command(name = "elastic", mixinStandardHelpOptions = true,
        description = "Seconds from a join request to the new worker's first step, and from a SIGKILL to the next step.")
final class BenchElasticCommand implements Callable<Integer> {

    @Option(names = "--rounds", paramLabel = "K", defaultValue = "3", description = "Joins and kills on the same run; the figures are their medians (default 3).")
    int rounds;

    @Option(names = "--steps-between", paramLabel = "N", defaultValue = "5", description = "Steps the run takes undisturbed after its start, after each join and after each recovery (default 5).")
    int stepsBetween;

    @Option(names = "--data", paramLabel = "PATH", description = "Corpus (default: the Brown corpus).")
    Path data;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path json;

    /** Targets: a join under 2 s; a recovery under the failure-detection timeout plus one step. */
    private static final double JOIN_TARGET_SECONDS = 2;
    /**
     * The configured failure detection: the heartbeat pause a member is allowed plus the split-brain resolver's wait.
     * A floor: the heartbeat interval, the detector's margin and the checks' ticks come on top.
     */
    private static final double DETECT_TIMEOUT_SECONDS = NodeSettings.DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE
            .plus(NodeSettings.DEFAULT_STABLE_AFTER).toMillis() / 1000.0;
    /** More steps than the bench lets the run take: it stops the run itself. */
    private static final int RUN_STEPS = 100_000;
    /** The first steps of a fresh JVM are slow (JIT, the engine's first allocations); they time no step. */
    private static final int WARMUP_STEPS = 5;
    private static final long POLL_MILLIS = 100;
    /** How long a child gets to exit once told to, before it is killed. */
    private static final long EXIT_GRACE_SECONDS = 60;
    private static final Pattern ADDRESS = Pattern.compile("cluster: coordinator at (\\S+), waiting");

    /** Read by the shutdown hook as well. */
    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final ChildProcesses processes = new ChildProcesses(Duration.ofSeconds(EXIT_GRACE_SECONDS));
    private final ElasticTimeline timeline = new ElasticTimeline();
    private long timeoutMinutes;
    private long deadlineNanos;
    private boolean cleanedUp;

    /** Why the bench stopped before its figures: one line. */
    private static final class BenchFailed extends RuntimeException {
        BenchFailed(String message) {
            super(message);
        }
    }

    /** A process this bench started, its log, and whether it is meant to be running. */
    private static final class Child {
        final String name;
        final Process process;
        final Path log;
        final double launch;
        String workerId;
        volatile boolean meantToRun = true;

        Child(String name, Process process, Path log, double launch) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.launch = launch;
        }

        String describe() {
            return (workerId != null ? workerId + " (" + name + ")" : name) + ", pid " + process.pid();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || stepsBetween < 1) {
            throw new UsageError("bench elastic: --rounds and --steps-between must be >= 1");
        }
        // a round takes a JVM start, a failure detection and a few dozen steps: well under two minutes here
        timeoutMinutes = 2 + 2L * rounds;
        deadlineNanos = System.nanoTime() + TimeUnit.MINUTES.toNanos(timeoutMinutes);
        byte[] secretBytes = new byte[32];
        new SecureRandom().nextBytes(secretBytes);
        String secret = HexFormat.of().formatHex(secretBytes);
        Path dir = Files.createTempDirectory("apollo-bench-elastic-");
        // interrupted (Ctrl-C), the bench still stops what it started: a coordinator would otherwise train on
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanUp(dir), "apollo-bench-elastic-cleanup"));
        try {
            List<ElasticTimeline.Join> joins = new ArrayList<>();
            List<ElasticTimeline.Recovery> recoveries = new ArrayList<>();
            measure(dir, secret, joins, recoveries);
            report(joins, recoveries);
            return 0;
        } catch (BenchFailed e) {
            System.err.println("apollo bench elastic: " + e.getMessage());
            return 1;
        } finally {
            cleanUp(dir);
        }
    }

    private void measure(Path dir, String secret, List<ElasticTimeline.Join> joins,
            List<ElasticTimeline.Recovery> recoveries) {
        Path run = dir.resolve("run");
        List<String> coordinatorArgs = new ArrayList<>(List.of("coordinator", "--bind", "127.0.0.1:0",
                "--workers", "1", "--out", run.toString(), "--steps", Integer.toString(RUN_STEPS),
                // one step time: no depth sampling, no expansion, no evaluation or checkpoint in the timing
                "--set", "stages.layers=[12]", "--set", "stages.boundaries=[]", "--set", "sampler.kind=full",
                "--set", "train.eval-every=" + RUN_STEPS, "--set", "train.checkpoint-every=0",
                // two workers share two cores
                "--set", "runtime.threads=1"));
        if (data != null) {
            coordinatorArgs.addAll(List.of("--data", data.toAbsolutePath().toString()));
        }
        Child coordinator = start("the coordinator", coordinatorArgs, dir.resolve("coordinator.log"), secret);
        String address = await("the coordinator's address", () -> {
            Matcher matcher = ADDRESS.matcher(read(coordinator.log));
            return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
        });
        MetricsTail metrics = new MetricsTail(run.resolve("metrics.jsonl"));
        List<String> workerArgs = List.of("worker", "--join", address, "--rejoin-timeout", "0");

        Child first = start("worker process 1", workerArgs, dir.resolve("worker-1.log"), secret);
        first.workerId = await("the first worker's join", metrics, () -> timeline.offeredSince(first.launch));
        await(WARMUP_STEPS + " steps", metrics, () -> timeline.stepsSince(0) >= WARMUP_STEPS
                ? Optional.of(true) : Optional.empty());
        Child older = first;
        for (int round = 1; round <= rounds; round++) {
            Child newcomer = start("worker process " + (round + 1), workerArgs,
                    dir.resolve("worker-" + (round + 1) + ".log"), secret);
            ElasticTimeline.Join join = await("round " + round + "'s join", metrics,
                    () -> timeline.join(newcomer.launch));
            newcomer.workerId = join.workerId();
            joins.add(join);
            awaitSteps(round, metrics, join.firstStep());

            older.meantToRun = false;
            double kill = now();
            older.process.destroyForcibly();
            waitForExit(older);
            Child killed = older;
            ElasticTimeline.Recovery recovery = await("round " + round + "'s recovery", metrics,
                    () -> timeline.recovery(killed.workerId, kill));
            recoveries.add(recovery);
            awaitSteps(round, metrics, recovery.firstStep());
            older = newcomer;
        }
        // the last worker leaves cleanly (SIGTERM: released after its step), then the coordinator is stopped
        for (Child child : List.of(older, coordinator)) {
            child.meantToRun = false;
            child.process.toHandle().destroy();
            waitForExit(child);
        }
    }

    private void awaitSteps(int round, MetricsTail metrics, double since) {
        await(stepsBetween + " steps in round " + round, metrics,
                () -> timeline.stepsSince(since) > stepsBetween ? Optional.of(true) : Optional.empty());
    }

    private void report(List<ElasticTimeline.Join> joins, List<ElasticTimeline.Recovery> recoveries)
            throws IOException {
        OptionalDouble oneWorker = timeline.medianStepSeconds(1, WARMUP_STEPS, joins, recoveries);
        OptionalDouble twoWorkers = timeline.medianStepSeconds(2, WARMUP_STEPS, joins, recoveries);
        if (oneWorker.isEmpty()) {
            throw new BenchFailed("no undisturbed step with one worker to time");
        }
        double stepSeconds = oneWorker.getAsDouble();
        // each total beside its parts: the join's from the request on, the recovery's from the kill on
        System.out.println("round  launch>request  request>accepted  accepted>admitted  admitted>step  join_s"
                + "  kill>lost  lost>step  recover_s");
        for (int i = 0; i < joins.size(); i++) {
            var join = joins.get(i);
            var recovery = recoveries.get(i);
            System.out.printf(Locale.ROOT, "%5d  %14.2f  %16.2f  %17.2f  %13.2f  %6.2f  %9.2f  %9.2f  %9.2f%n",
                    i + 1, join.offered() - join.launch(), join.accepted() - join.offered(),
                    join.admitted() - join.accepted(), join.firstStep() - join.admitted(), join.seconds(),
                    recovery.lost() - recovery.kill(), recovery.firstStep() - recovery.lost(), recovery.seconds());
        }
        double joinSeconds = median(joins, ElasticTimeline.Join::seconds);
        double recoverSeconds = median(recoveries, ElasticTimeline.Recovery::seconds);
        double recoverTarget = DETECT_TIMEOUT_SECONDS + stepSeconds;
        String row = "%-46s %7s  %-42s %s%n";
        System.out.printf(Locale.ROOT, "%n" + row, "figure (median of " + joins.size() + " rounds)", "seconds",
                "target", "met");
        System.out.printf(Locale.ROOT, row, "join: request -> the new worker's first step", seconds(joinSeconds),
                String.format(Locale.ROOT, "< %.2f", JOIN_TARGET_SECONDS), yesNo(joinSeconds < JOIN_TARGET_SECONDS));
        System.out.printf(Locale.ROOT, row, "recover: SIGKILL -> the next step", seconds(recoverSeconds),
                String.format(Locale.ROOT, "< %.2f (detection timeout %.2f + a step)", recoverTarget,
                        DETECT_TIMEOUT_SECONDS), yesNo(recoverSeconds < recoverTarget));
        String step = "%-46s %7s%n";
        System.out.printf(Locale.ROOT, step, "a step, one worker (undisturbed)", seconds(stepSeconds));
        if (twoWorkers.isPresent()) {
            System.out.printf(Locale.ROOT, step, "a step, two workers (undisturbed)", seconds(twoWorkers.getAsDouble()));
        }
        BenchResult result = new BenchResult().put("join_s", joinSeconds).put("recover_s", recoverSeconds)
                .put("detect_timeout_s", DETECT_TIMEOUT_SECONDS).put("step_s", stepSeconds);
        if (twoWorkers.isPresent()) {
            result.put("step_2w_s", twoWorkers.getAsDouble());
        }
        result.put("join_process_s", median(joins, join -> join.offered() - join.launch()))
                .put("detect_s", median(recoveries, recovery -> recovery.lost() - recovery.kill()))
                .put("rounds", joins.size())
                .emit(System.out, json);
    }

    private static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.2f", seconds);
    }

    private static String yesNo(boolean met) {
        return met ? "yes" : "no";
    }

    private static <T> double median(List<T> rounds, ToDoubleFunction<T> figure) {
        return ElasticTimeline.median(rounds.stream().mapToDouble(figure).toArray()).orElseThrow();
    }

    private synchronized Child start(String name, List<String> args, Path log, String secret) {
        if (cleanedUp) {
            throw new BenchFailed("stopped");
        }
        double launch = now();
        try {
            Child child = new Child(name, processes.start(List.of(), args, secret, Map.of(),
                    ProcessBuilder.Redirect.to(log.toFile())), log, launch);
            children.add(child);
            return child;
        } catch (IOException e) {
            throw new BenchFailed("cannot start " + name + ": " + e.getMessage());
        }
    }

    private <T> T await(String what, Supplier<Optional<T>> result) {
        return await(what, null, result);
    }

    /** Polls {@code result} (after reading the run's new rows) until it is there; fails when a child died first. */
    private <T> T await(String what, MetricsTail metrics, Supplier<Optional<T>> result) {
        while (true) {
            if (metrics != null) {
                metrics.readInto(timeline);
            }
            Optional<T> done = result.get();
            if (done.isPresent()) {
                return done.get();
            }
            for (Child child : children) {
                if (child.meantToRun && !child.process.isAlive()) {
                    throw new BenchFailed(child.describe() + " exited " + child.process.exitValue()
                            + " while waiting for " + what + ": " + lastLine(child.log));
                }
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new BenchFailed("no " + what + " within the bench's " + timeoutMinutes + " minutes");
            }
            sleep(POLL_MILLIS);
        }
    }

    private void waitForExit(Child child) {
        try {
            if (!child.process.waitFor(EXIT_GRACE_SECONDS, TimeUnit.SECONDS)) {
                child.process.destroyForcibly();
                child.process.waitFor(EXIT_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchFailed("interrupted");
        }
    }

    /** Once: stops what the bench started and removes its files, from the main thread or the shutdown hook. */
    private synchronized void cleanUp(Path dir) {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        stopAll();
        try {
            deleteTree(dir);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("apollo bench elastic: cannot remove " + dir + ": " + e.getMessage());
        }
    }

    /** Kills, by pid, any child still running, and removes what a killed one left in shared memory. */
    private void stopAll() {
        for (Child child : children) {
            child.meantToRun = false;
            child.process.destroyForcibly();
        }
        processes.close();
        for (Child child : children) {
            AeronDirectories.removeLeftBy(child.process.pid());
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchFailed("interrupted");
        }
    }

    private static String read(Path log) {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String lastLine(Path log) {
        return read(log).lines().filter(line -> !line.isBlank()).reduce((first, second) -> second)
                .orElse("(no output)");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** The rows a growing {@code metrics.jsonl} gained since the last read; only whole lines. */
    private static final class MetricsTail {
        private final Path file;
        private long position;
        private byte[] partial = new byte[0];

        MetricsTail(Path file) {
            this.file = file;
        }

        void readInto(ElasticTimeline timeline) {
            if (!Files.exists(file)) {
                return;
            }
            byte[] fresh;
            try (InputStream in = Files.newInputStream(file)) {
                in.skipNBytes(position);
                fresh = in.readAllBytes();
            } catch (IOException e) {
                throw new BenchFailed("cannot read " + file + ": " + e.getMessage());
            }
            position += fresh.length;
            byte[] bytes = Arrays.copyOf(partial, partial.length + fresh.length);
            System.arraycopy(fresh, 0, bytes, partial.length, fresh.length);
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                    if (!line.isBlank()) {
                        timeline.add(MetricsLog.parse(line));
                    }
                    start = i + 1;
                }
            }
            partial = Arrays.copyOfRange(bytes, start, bytes.length);
        }
    }
}
