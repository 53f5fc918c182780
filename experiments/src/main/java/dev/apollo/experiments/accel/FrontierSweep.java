package dev.apollo.experiments.accel;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.DecayKind;
import dev.apollo.config.TrainingMethod;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.run.MetricsLog;
import dev.apollo.run.UsageError;
import dev.apollo.worker.checkpoint.Checkpoint;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.BatchSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs the points of a frontier sweep: every line at every budget with every seed, each ending fully decayed at its
 * own budget. Independent runs scale the warmup and the growth plan to each budget. Cooldown branches share one
 * warmup-stable-decay trunk per line and seed, run to the largest budget, with the warmup and the stage boundaries in
 * absolute steps; the point at a smaller budget B resumes the trunk's checkpoint at the step where B's own decay
 * begins and decays over B's last steps, so it is exactly the run an independent schedule with those absolute
 * steps would give. Finished points ({@code point.json}) are read back, so an interrupted sweep goes on where it
 * stopped and a report can be written again without training.
 */
public final class FrontierSweep {

    /** A method with its growth plan: one line of the frontier. Scratch has none. */
    public record Line(TrainingMethod method, GrowthPlan plan) {

        public String id() {
            if (method == TrainingMethod.SCRATCH) {
                return method.id();
            }
            return plan.id().equals(GrowthPlan.PAPER) ? method.id() : method.id() + "@" + plan.weights();
        }

        public String description() {
            if (method == TrainingMethod.SCRATCH) {
                return method.description();
            }
            return method.description() + ", stages " + plan.layers() + " at " + plan.fractions() + " of the run";
        }
    }

    /** What the sweep is: a directory holding another sweep's points is refused, one holding this one's reused. */
    public record Definition(String mode, List<Long> budgets, int seeds, List<String> lines, String config) {}

    public static final String DEFINITION = "sweep.json";
    private static final String POINT = "point.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
    private static final long WARM_UP_STEPS = 5;

    private final Function<List<String>, ApolloConfig> configs;
    private final BatchSource data;
    private final Path dir;
    private final List<Line> lines;
    private final List<Long> budgets;
    private final int seeds;
    private final boolean cooldown;
    private final long baseSeed;
    private final int modelLayers;
    private final double warmupFraction;
    private final double decayFraction;
    private int done;
    private boolean warmedUp;

    /**
     * @param configs the base configuration with these overrides on top (every run's configuration is one of these)
     * @param budgets distinct, increasing
     */
    public FrontierSweep(Function<List<String>, ApolloConfig> configs, BatchSource data, Path dir, List<Line> lines,
            List<Long> budgets, int seeds, boolean cooldown) {
        this.configs = configs;
        this.data = data;
        this.dir = dir;
        this.lines = lines;
        this.budgets = budgets;
        this.seeds = seeds;
        this.cooldown = cooldown;
        ApolloConfig base = configs.apply(List.of());
        this.baseSeed = base.train().seed();
        this.modelLayers = base.model().layers();
        this.warmupFraction = base.schedule().warmupFraction();
        this.decayFraction = base.schedule().decayFraction();
        if (cooldown && base.schedule().decay() != DecayKind.WSD) {
            throw new UsageError("--cooldown-branches needs schedule.decay = wsd (a stable trunk to branch from), got "
                    + base.schedule().decay().name().toLowerCase(Locale.ROOT));
        }
        checkEveryConfig();
    }

    public Definition definition(String renderedBase) {
        return new Definition(cooldown ? "cooldown-branches" : "independent", budgets, seeds,
                lines.stream().map(Line::id).toList(), renderedBase);
    }

    /** Every run's configuration loads before anything trains: a bad budget or plan fails at once. */
    private void checkEveryConfig() {
        for (Line line : lines) {
            for (long budget : budgets) {
                configs.apply(independentOverrides(line, budget, 0));
                if (cooldown) {
                    configs.apply(cooldownOverrides(line, budget, 0));
                }
            }
        }
    }

    /** The sweep's runs, and with cooldown branches the independent run of each line they are checked against. */
    public int runCount() {
        return lines.size() * seeds * budgets.size() + (cooldown ? lines.size() : 0);
    }

    /** Runs (or reads back) every point, seed by seed, so a partial sweep already has whole frontiers. */
    public List<SweepPoint> run() throws IOException {
        List<SweepPoint> points = new ArrayList<>();
        for (int seed = 0; seed < seeds; seed++) {
            for (Line line : lines) {
                points.addAll(cooldown ? cooldownPoints(line, seed) : independentPoints(line, seed));
            }
        }
        return points;
    }

    /**
     * Before the first point this process trains: a few steps at the full depth, thrown away, so the engine's
     * first-use costs (native start-up, allocator, first kernels) are not counted as that point's training seconds.
     */
    private void warmUpOnce() throws IOException {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        Path at = dir.resolve("warm-up");
        deleteTree(at);
        Files.createDirectories(at);
        Line scratch = lines.stream().filter(l -> l.method() == TrainingMethod.SCRATCH).findFirst().orElseThrow();
        ApolloConfig config = configs.apply(common(scratch, WARM_UP_STEPS, 0));
        try (MetricsLog metrics = new MetricsLog(at.resolve("metrics.jsonl"))) {
            EmbeddedRun.run(config, ConfigLoader.render(config), data, at.resolve("checkpoints"),
                    RunPlan.from(config).freshStart(), null, new AccelRecorder(metrics));
        }
        deleteTree(at);
    }

    /** The independent run of every line at {@code budget}, seed 0: what the cooldown points are checked against. */
    public List<SweepPoint> independentAt(long budget) throws IOException {
        List<SweepPoint> points = new ArrayList<>();
        for (Line line : lines) {
            Path at = dir.resolve(line.id()).resolve("seed-0").resolve("independent-" + budget);
            points.add(pointOr(at, () -> train(line, budget, 0, at, configs.apply(independentOverrides(line, budget, 0)),
                    null, 0, false)));
        }
        return points;
    }

    private List<SweepPoint> independentPoints(Line line, int seed) throws IOException {
        List<SweepPoint> points = new ArrayList<>();
        for (long budget : budgets) {
            Path at = pointDir(line, seed, budget);
            points.add(pointOr(at, () -> train(line, budget, seed, at,
                    configs.apply(independentOverrides(line, budget, seed)), null, 0, false)));
        }
        return points;
    }

    private List<SweepPoint> cooldownPoints(Line line, int seed) throws IOException {
        long trunkBudget = budgets.get(budgets.size() - 1);
        Path trunkDir = pointDir(line, seed, trunkBudget);
        List<Long> branches = budgets.subList(0, budgets.size() - 1);
        boolean trunkDone = Files.isRegularFile(trunkDir.resolve(POINT));
        boolean statesKept = branches.stream().allMatch(b -> Files.isDirectory(trunkCheckpoint(trunkDir, b)));
        boolean branchesDone = branches.stream().allMatch(b -> Files.isRegularFile(pointDir(line, seed, b).resolve(POINT)));
        if (!trunkDone || (!branchesDone && !statesKept)) {
            deleteTree(trunkDir);
            List<String> overrides = new ArrayList<>(cooldownOverrides(line, trunkBudget, seed));
            overrides.add("train.checkpoint-every=" + checkpointEvery());
            writePoint(trunkDir, train(line, trunkBudget, seed, trunkDir, configs.apply(overrides), null, 0, true));
        } else {
            done++;
        }
        List<SweepPoint> points = new ArrayList<>();
        for (long budget : branches) {
            Path at = pointDir(line, seed, budget);
            Path from = trunkCheckpoint(trunkDir, budget);
            double trunkSeconds = trunkSecondsAfter(trunkDir, branchStart(budget));
            points.add(pointOr(at, () -> train(line, budget, seed, at, configs.apply(cooldownOverrides(line, budget,
                    seed)), from, trunkSeconds, false)));
        }
        points.add(readPoint(trunkDir));
        deleteTree(trunkDir.resolve("checkpoints")); // every branch has its point: the trunk's states are spent
        return points;
    }

    /** The trunk checkpoints at every branch's start: their greatest common divisor. */
    private long checkpointEvery() {
        long every = 0;
        for (long budget : budgets.subList(0, budgets.size() - 1)) {
            every = gcd(every, branchStart(budget));
        }
        return every;
    }

    /** Where the run of {@code budget} steps leaves the stable rate: its last round(decay-fraction x B) steps decay. */
    public long branchStart(long budget) {
        return budget - Math.max(1, Math.round(decayFraction * budget));
    }

    /** The trunk's warmup in steps, shared by every branch. */
    public long trunkWarmup() {
        return Math.round(warmupFraction * budgets.get(budgets.size() - 1));
    }

    private List<String> independentOverrides(Line line, long budget, int seed) {
        List<String> overrides = common(line, budget, seed);
        if (line.method() != TrainingMethod.SCRATCH) {
            overrides.addAll(line.plan().scaledOverrides());
        }
        return overrides;
    }

    private List<String> cooldownOverrides(Line line, long budget, int seed) {
        List<String> overrides = common(line, budget, seed);
        long warmup = trunkWarmup();
        if (warmup + Math.max(1, Math.round(decayFraction * budget)) > budget) {
            throw new UsageError("--budgets: the smallest, " + budget + ", is shorter than the trunk's warmup ("
                    + warmup + " steps, schedule.warmup-fraction of the largest) plus its own decay");
        }
        // round(f x B) = warmup exactly: the fraction is the ratio of two whole numbers well below 2^52
        overrides.add("schedule.warmup-fraction=" + ((double) warmup / budget));
        if (line.method() != TrainingMethod.SCRATCH) {
            overrides.addAll(line.plan().truncatedOverrides(line.plan().boundarySteps(budgets.get(budgets.size() - 1)),
                    budget));
        }
        return overrides;
    }

    private List<String> common(Line line, long budget, int seed) {
        List<String> overrides = new ArrayList<>(line.method().overrides(modelLayers));
        overrides.add("train.steps=" + budget);
        overrides.add("train.eval-every=" + budget); // a point is its final loss: no evaluation on the way
        overrides.add("train.seed=" + (baseSeed + seed));
        return overrides;
    }

    private interface PointRun {
        SweepPoint run() throws IOException;
    }

    private SweepPoint pointOr(Path at, PointRun run) throws IOException {
        if (Files.isRegularFile(at.resolve(POINT))) {
            done++;
            return readPoint(at);
        }
        deleteTree(at); // an interrupted run: start it again
        SweepPoint point = run.run();
        writePoint(at, point);
        return point;
    }

    /**
     * Trains one point from a fresh start, or from the trunk's checkpoint {@code from} after {@code startSeconds} of
     * the trunk's training; {@code keepStates}: a trunk keeps its checkpoints for its branches.
     */
    private SweepPoint train(Line line, long budget, int seed, Path at, ApolloConfig config, Path from,
            double startSeconds, boolean keepStates) throws IOException {
        warmUpOnce();
        Files.createDirectories(at);
        String rendered = ConfigLoader.render(config);
        Files.writeString(at.resolve("config.conf"), rendered, StandardCharsets.UTF_8);
        RunPlan plan = RunPlan.from(config);
        AccelRecorder recorder;
        try (MetricsLog metrics = new MetricsLog(at.resolve("metrics.jsonl"))) {
            recorder = new AccelRecorder(metrics, startSeconds);
            if (from == null) {
                EmbeddedRun.run(config, rendered, data, at.resolve("checkpoints"), plan.freshStart(), null, recorder);
            } else {
                Checkpoint trunk = CheckpointStore.read(from);
                EmbeddedRun.run(config, rendered, data, at.resolve("checkpoints"), trunk.snapshot(), trunk.state(),
                        recorder);
            }
        }
        if (!keepStates) {
            deleteTree(at.resolve("checkpoints")); // only the final loss and costs are the point
        }
        RecordValidation last = recorder.lastValidation();
        // the model the run ends with, at the depth its method trains it: a branch of a method that does not sample
        // depths (StackBERT) ending before its last growth is a model of N(s) layers, not of L
        double loss = line.method().samplesDepth() ? last.fullDepthLoss() : last.stageDepthLoss();
        SweepPoint point = new SweepPoint(line.id(), budget, seed, loss, last.flops(),
                recorder.points().get(recorder.points().size() - 1).trainSeconds());
        done++;
        System.out.printf(Locale.ROOT, "%s seed %d, %d steps%s: validation loss %.4f, %.3e FLOPs, %.0f s (%d/%d)%n",
                line.id(), seed, budget, from != null ? " (cooldown branch)" : "", point.loss(), point.flops(),
                point.trainSeconds(), done, runCount());
        return point;
    }

    /**
     * Where each progressive line's longest run (the trunk of cooldown branches), first seed, was furthest above
     * scratch's training loss at the same step, after the first {@link FrontierReport#SETTLED} steps.
     */
    public List<FrontierReport.Spike> spikes() throws IOException {
        long longest = budgets.get(budgets.size() - 1);
        Line scratch = lines.stream().filter(l -> l.method() == TrainingMethod.SCRATCH).findFirst().orElseThrow();
        Map<Long, Double> scratchLoss = new HashMap<>();
        trainRows(pointDir(scratch, 0, longest)).forEach(r -> scratchLoss.put(r.get("step").getAsLong(),
                r.get("loss").getAsDouble()));
        List<FrontierReport.Spike> spikes = new ArrayList<>();
        for (Line line : lines) {
            if (line == scratch) {
                continue;
            }
            JsonObject worst = trainRows(pointDir(line, 0, longest)).stream()
                    .filter(r -> r.get("step").getAsLong() > FrontierReport.SETTLED)
                    .max(Comparator.comparingDouble(r -> r.get("loss").getAsDouble()
                            - scratchLoss.get(r.get("step").getAsLong()))).orElseThrow();
            long step = worst.get("step").getAsLong();
            spikes.add(new FrontierReport.Spike(line.id(), step, worst.get("weights").getAsInt(),
                    worst.get("depth").getAsInt(), worst.get("loss").getAsDouble(), scratchLoss.get(step)));
        }
        return spikes;
    }

    private static List<JsonObject> trainRows(Path run) throws IOException {
        try (Stream<String> rows = Files.lines(run.resolve("metrics.jsonl"))) {
            return rows.map(row -> GSON.fromJson(row, JsonObject.class))
                    .filter(row -> MetricsLog.TRAIN.equals(row.get("type").getAsString())).toList();
        }
    }

    private Path pointDir(Line line, int seed, long budget) {
        return dir.resolve(line.id()).resolve("seed-" + seed).resolve("budget-" + budget);
    }

    private Path trunkCheckpoint(Path trunkDir, long budget) {
        return trunkDir.resolve("checkpoints").resolve(String.format("step-%08d", branchStart(budget)));
    }

    /** The trunk's training seconds after {@code steps} steps, from its metrics log. */
    private static double trunkSecondsAfter(Path trunkDir, long steps) throws IOException {
        return trainRows(trunkDir).stream().filter(row -> row.get("step").getAsLong() == steps)
                .map(row -> row.get("wall").getAsDouble()).findFirst()
                .orElseThrow(() -> new IOException(trunkDir + ": the trunk's log has no step " + steps));
    }

    /** A point written by an earlier run; one that does not read is named, to be deleted and trained again. */
    private static SweepPoint readPoint(Path at) throws IOException {
        Path file = at.resolve(POINT);
        SweepPoint point;
        try {
            point = GSON.fromJson(Files.readString(file), SweepPoint.class);
        } catch (com.google.gson.JsonParseException e) {
            point = null;
        }
        if (point == null || point.line() == null || !Double.isFinite(point.flops())
                || !Double.isFinite(point.loss())) {
            throw new UsageError(file + " is not a sweep point; delete " + at + " to train that point again");
        }
        return point;
    }

    private static void writePoint(Path at, SweepPoint point) throws IOException {
        Files.writeString(at.resolve(POINT), GSON.toJson(point), StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
