package dev.apollo.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.apollo.cli.ConfigOptions;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.apollo.FlopsModel;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.experiments.BenchResult;
import dev.apollo.experiments.StepTimes;
import dev.apollo.protocol.StepRecord;
import dev.apollo.run.Corpus;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.run.UsageError;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.io.DirectoryTree;
import dev.apollo.worker.train.GradientExchange;
import dev.apollo.worker.train.Replica;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo bench step}: training throughput at depths 1, 3, 6 and 12 through the whole trainer (actors,
 * coordinator core, worker, metrics) against a plain loop calling the same model step directly, and the engine's
 * fp32 matmul rate measured in the same process. The ratio trainer/plain is the trainer's overhead.
 */
@Command(name = "step", mixinStandardHelpOptions = true,
        description = "Tokens/s and GFLOP/s per depth: trainer vs a plain DJL loop vs raw matmul.")
final class BenchStepCommand implements Callable<Integer> {


    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--measure-steps", paramLabel = "N", defaultValue = "8", description = "Timed steps a round at the deepest depth (default 8); shallower depths time proportionally more, so every round lasts about as long.")
    int measureSteps;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "4", description = "Untimed steps at the start of every round (default 4).")
    int warmupSteps;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "12", description = "Measurements per path, alternating which goes first; their steps are pooled (default 12).")
    int rounds;

    @Option(names = "--depths", paramLabel = "D,...", split = ",", defaultValue = "1,3,6,12", description = "Depths to measure (default 1,3,6,12).")
    List<Integer> depths;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (measureSteps < 1 || warmupSteps < 1 || rounds < 1 || depths.stream().anyMatch(d -> d < 1)) {
            throw new UsageError("bench step: --measure-steps, --warmup-steps, --rounds and every depth must be >= 1");
        }
        ApolloConfig base = configOptions.load();
        BatchSource data = Corpus.load(base);
        Device device = EmbeddedRun.device(base);
        BenchResult result = new BenchResult();
        double matmulGflops = onOwnThread(() -> matmulGflops(device, 1024));
        System.out.printf(Locale.ROOT, "fp32 matmul 1024x1024: %.1f GFLOP/s on %s%n", matmulGflops, device);
        System.out.println("                                 against the plain loop           within the trainer's steps");
        System.out.println("depth  plain tok/s  trainer tok/s  ratio  mean ratio  overhead ms  path ratio  overhead ms  GFLOP/s");
        double minRatio = Double.MAX_VALUE;
        double minPathRatio = Double.MAX_VALUE;
        int deepest = depths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        // An untimed round of each path first: in a fresh JVM the JIT compiles the trainer's far larger path (actors,
        // coordinator) on the same two cores for its first seconds, which cost the first depth measured up to 10%.
        int first = depths.get(0);
        int firstSteps = timedSteps(first, deepest);
        measure(atDepth(first, firstSteps), data, device, firstSteps, 1, new StepTimes(), new StepTimes(), new StepTimes());
        for (int depth : depths) {
            int timedSteps = timedSteps(depth, deepest);
            ApolloConfig config = atDepth(depth, timedSteps);
            FlopsModel flops = RunPlan.from(config).flops();
            StepTimes plain = new StepTimes();
            StepTimes trainer = new StepTimes();
            StepTimes trainerWork = new StepTimes(); // the worker's busy time within each of the trainer's steps
            measure(config, data, device, timedSteps, rounds, plain, trainer, trainerWork);
            double plainStep = plain.quantileSeconds(StepTimes.UNDISTURBED_QUANTILE);
            double trainerStep = trainer.quantileSeconds(StepTimes.UNDISTURBED_QUANTILE);
            double tokens = config.tokensPerStep();
            double ratio = plainStep / trainerStep;
            double meanRatio = plain.meanSeconds() / trainer.meanSeconds();
            double gflops = flops.stepFlops(depth) / trainerStep / 1e9;
            // what the trainer's path (messages, coordinator core, listener) adds to a step, in milliseconds
            double overheadMs = 1e3 * (trainerStep - plainStep);
            // the same, measured on the trainer's own steps: its step time less the worker's busy time within it,
            // which the machine's slow spells stretch alike, so it needs no second run to compare with
            double pathRatio = trainerWork.meanSeconds() / trainer.meanSeconds();
            double pathOverheadMs = 1e3 * (trainer.meanSeconds() - trainerWork.meanSeconds());
            minRatio = Math.min(minRatio, ratio);
            minPathRatio = Math.min(minPathRatio, pathRatio);
            System.out.printf(Locale.ROOT, "%5d  %11.0f  %13.0f  %5.3f  %10.3f  %11.3f  %10.3f  %10.3f  %7.1f%n", depth,
                    tokens / plainStep, tokens / trainerStep, ratio, meanRatio, overheadMs, pathRatio, pathOverheadMs,
                    gflops);
            result.put("tokens_per_s_d" + depth, tokens / trainerStep).put("plain_tokens_per_s_d" + depth, tokens / plainStep)
                    .put("ratio_d" + depth, ratio).put("mean_ratio_d" + depth, meanRatio)
                    .put("overhead_ms_d" + depth, overheadMs).put("path_ratio_d" + depth, pathRatio)
                    .put("path_overhead_ms_d" + depth, pathOverheadMs).put("gflops_d" + depth, gflops);
        }
        result.put("matmul_gflops", matmulGflops);
        result.put("min_path_ratio", minPathRatio);
        result.put("min_ratio", minRatio).emit(System.out, json);
        return 0;
    }

    private int timedSteps(int depth, int deepest) {
        return (int) Math.ceil((double) measureSteps * deepest / depth);
    }

    /**
     * Times both paths for {@code rounds} rounds, each path first in every other round so that neither always runs
     * on the warmer (or more fragmented) process; short rounds, so that both meet the machine's slow spells alike.
     * Every timed step of every round is pooled.
     */
    private void measure(ApolloConfig config, BatchSource data, Device device, int timedSteps, int rounds,
            StepTimes plain, StepTimes trainer, StepTimes trainerWork) throws Exception {
        for (int round = 0; round < rounds; round++) {
            if (round % 2 == 1) {
                timeTrainer(config, data, timedSteps, trainer, trainerWork);
            }
            onOwnThread(() -> timePlain(config, data, device, timedSteps, plain));
            if (round % 2 == 0) {
                timeTrainer(config, data, timedSteps, trainer, trainerWork);
            }
        }
    }

    /**
     * Runs engine work on a thread of its own that ends with it, as the trainer's worker runs on a thread of its
     * run's actor system: once a long-lived thread (such as main) has run OpenMP regions, its idle team slows every
     * other thread's regions (measured here: a third fewer tokens/s), which would make the comparison unfair.
     */
    private static <T> T onOwnThread(Supplier<T> work) throws InterruptedException {
        List<T> result = new ArrayList<>(1);
        RuntimeException[] failure = {null};
        Thread thread = new Thread(() -> {
            try {
                result.add(work.get());
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "bench-engine");
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        return result.get(0);
    }

    /** The base shape at {@code depth} layers, one stage, no sampling: every step runs exactly that depth. */
    private ApolloConfig atDepth(int depth, int timedSteps) {
        long steps = warmupSteps + timedSteps;
        List<String> overrides = new ArrayList<>(List.of(
                "model.layers=" + depth, "stages.layers=[" + depth + "]", "stages.boundaries=[]",
                "sampler.kind=none", "train.steps=" + steps, "train.eval-every=" + steps, "train.eval-batches=1",
                "train.checkpoint-every=0"));
        return configOptions.load(overrides);
    }

    /** Times the same model step called directly, with no actors, coordinator or listener around it. */
    private StepTimes timePlain(ApolloConfig config, BatchSource data, Device device, int timedSteps, StepTimes times) {
        int depth = config.model().layers();
        int[] map = IntStream.range(0, depth).toArray();
        int microBatches = config.train().microBatches();
        var learningRate = RunPlan.from(config).learningRate(); // the trainer's rates: the same arithmetic, values too
        try (Replica replica = new Replica(config, data, device, depth, null)) {
            for (int step = 0; step < warmupSteps; step++) {
                replica.trainStep(step, map, learningRate.at(step), 0, microBatches, GradientExchange.ALONE);
            }
            long previous = System.nanoTime();
            for (int step = warmupSteps; step < warmupSteps + timedSteps; step++) {
                replica.trainStep(step, map, learningRate.at(step), 0, microBatches, GradientExchange.ALONE);
                long now = System.nanoTime();
                times.add(now - previous);
                previous = now;
            }
            return times;
        }
    }

    /**
     * Times the whole trainer's steps, from one step's record reaching the listener to the next one's, and the
     * worker's busy time within each, as the record carries it.
     */
    private void timeTrainer(ApolloConfig config, BatchSource data, int timedSteps, StepTimes times, StepTimes work)
            throws Exception {
        Path scratch = Files.createTempDirectory("apollo-bench-");
        long[] stepNanos = new long[warmupSteps + timedSteps + 1];
        double[] workSeconds = new double[warmupSteps + timedSteps + 1];
        RunListener timing = new RunListener() {
            @Override
            public void onStep(StepRecord record) {
                stepNanos[(int) record.stepsDone()] = System.nanoTime();
                workSeconds[(int) record.stepsDone()] = record.workSeconds();
            }
        };
        try {
            RunPlan plan = RunPlan.from(config);
            EmbeddedRun.run(config, ConfigLoader.render(config), data, scratch, plan.freshStart(), null, timing);
            for (int step = warmupSteps + 1; step <= warmupSteps + timedSteps; step++) {
                times.add(stepNanos[step] - stepNanos[step - 1]);
                work.add(Math.round(workSeconds[step] * 1e9));
            }
        } finally {
            DirectoryTree.delete(scratch);
        }
    }

    private static double matmulGflops(Device device, int n) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.randomNormal(new Shape(n, n));
            NDArray b = manager.randomNormal(new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            int repeats = 10;
            long start = System.nanoTime();
            for (int i = 0; i < repeats; i++) {
                a.matMul(b).close(); // CPU kernels run synchronously
            }
            return repeats * 2.0 * n * n * n / ((System.nanoTime() - start) / 1e9) / 1e9;
        }
    }
}
