package dev.apollo.cli.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.apollo.cli.ConfigOptions;
import dev.apollo.cli.Corpus;
import dev.apollo.cli.UsageError;
import dev.apollo.cli.cluster.ClusterRun;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.checkpoint.Checkpoint;
import dev.apollo.worker.checkpoint.CheckpointError;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.export.HfImport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo train}: runs the coordinator and a local worker to the end of the plan. Every input (config, corpus,
 * checkpoint, output directory) is checked before anything is written, so a bad one costs nothing.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train with Apollo (or any schedule the config describes) on this machine.")
public class TrainCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<date-time>; with --resume, the resumed run's).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue from a checkpoint, a checkpoints directory or a run directory (its newest checkpoint).")
    Path resume;

    @Option(names = "--init-from", paramLabel = "DIR", description = "Start a fresh run from the parameters of an `apollo export` folder of the same model; its layers are the first stage's real layers, optimizer moments start at zero.")
    Path initFrom;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Worker processes, data-parallel, each computing its share of every step's micro-batches (default 1: one process). The metrics and states are bit-identical at any N.")
    int workers;

    @Option(names = "--in-process", description = "With --workers N: run the N workers as threads of this process (one JVM, one engine; each with its own cluster node and tensor stream) instead of N worker processes.")
    boolean inProcess;

    private final PrintStream console = System.out;

    protected final boolean inProcess() {
        return inProcess;
    }

    protected final int workers() {
        return workers;
    }

    /**
     * How the run's cluster is formed, or null for the single-process run: {@code --workers N} starts N worker
     * processes on this machine, joined over loopback with a secret made for the run.
     */
    protected ClusterRun.Launch launch() {
        if (workers < 1) {
            throw new UsageError("--workers " + workers + ": must be >= 1");
        }
        if (workers == 1) {
            if (inProcess) {
                throw new UsageError("--in-process runs the workers of --workers N (N >= 2) as threads");
            }
            return null;
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new ClusterRun.Launch("127.0.0.1", 0, workers,
                inProcess ? ClusterRun.WorkerStart.THREADS : ClusterRun.WorkerStart.PROCESSES,
                HexFormat.of().formatHex(secret), null);
    }

    @Override
    public Integer call() throws Exception {
        if (initFrom != null && resume != null) {
            throw new UsageError("--init-from starts a fresh run and --resume continues one: give one of them");
        }
        Checkpoint checkpoint = resume == null ? null : CheckpointStore.read(resume);
        ApolloConfig config = checkpoint == null ? configOptions.load() : resumedConfig(checkpoint);
        String rendered = ConfigLoader.render(config);
        RunPlan plan = RunPlan.from(config);
        TensorState initial = initFrom == null ? null
                : HfImport.read(initFrom, config.model(), plan.freshStart().weights(),
                        Vocabulary.of(config.data(), config.model()));
        ClusterRun.Launch launch = launch();
        if (launch != null) {
            requireClusterCanRun(config, launch.workers());
        }
        Corpus.Loaded corpus = Corpus.read(config);
        Path runDir = runDirectory(checkpoint);
        RunRecorder.Restart restart = prepare(runDir, checkpoint, rendered);

        RunSnapshot start = checkpoint == null ? plan.freshStart() : checkpoint.snapshot();
        TensorState state = checkpoint == null ? initial : checkpoint.state();
        console.printf(Locale.ROOT, "apollo train: %s, %d layers, d=%d, %d steps of %d tokens, stages %s at steps %s%s -> %s%n",
                config.model().objective().name().toLowerCase(Locale.ROOT), config.model().layers(),
                config.model().dModel(), config.train().steps(), config.tokensPerStep(), config.stages().layers(),
                java.util.Arrays.toString(plan.stages().expansionSteps()),
                checkpoint == null ? (initFrom == null ? "" : ", parameters from " + initFrom)
                        : ", resuming at step " + start.nextStep(), runDir);
        Path metricsFile = runDir.resolve("metrics.jsonl");
        RunSnapshot end;
        RunAccount account = new RunAccount();
        if (restart != null && Files.exists(metricsFile)) { // a resumed run's history counts in its account
            for (String line : Files.readAllLines(metricsFile)) {
                account.add(MetricsLog.parse(line));
            }
        }
        RunRecorder recorder = new RunRecorder(new MetricsLog(metricsFile),
                new ProgressReporter(start.nextStep(), config.train().steps(), start.tokens(), console), console,
                account, restart, start.nextStep());
        try (recorder) {
            end = launch == null
                    ? EmbeddedRun.run(config, rendered, corpus.batches(), runDir.resolve("checkpoints"), start, state,
                            recorder)
                    : ClusterRun.run(config, rendered, corpus, runDir.resolve("checkpoints"), start, state, recorder,
                            launch, console);
        }
        LossPlot.write(metricsFile, runDir.resolve("loss.png"));
        writeSummary(runDir, config, plan, end, recorder);
        var validation = recorder.lastValidation();
        console.printf(Locale.ROOT, "done: %d steps, validation loss %.4f (full depth), %.3e FLOPs (%.2f of scratch's), %.0f s -> %s%n",
                end.nextStep(), validation == null ? Double.NaN : validation.fullDepthLoss(), end.flops(),
                end.flops() / plan.scratchFlops(), recorder.wallSeconds(), runDir);
        return 0;
    }

    private static void requireClusterCanRun(ApolloConfig config, int workers) {
        int microBatches = config.train().microBatches();
        if (workers > microBatches) {
            throw new UsageError(workers + " workers need at least as many micro-batches; a step has " + microBatches
                    + " (train.batch-size " + config.train().batchSize() + " / train.micro-batch-size "
                    + config.train().microBatchSize() + ")");
        }
    }

    /** The checkpoint's own configuration, or the one given, which must describe the same model. */
    private ApolloConfig resumedConfig(Checkpoint checkpoint) {
        ApolloConfig stored = ConfigLoader.parseStored(checkpoint.manifest().config());
        if (!configOptions.given()) {
            return requireSameTokenizer(checkpoint, stored);
        }
        ApolloConfig given = configOptions.load();
        if (!given.model().equals(stored.model())) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + " holds another model shape: "
                    + stored.model() + ", the configuration asks for " + given.model());
        }
        return requireSameTokenizer(checkpoint, given);
    }

    /** A run continues with the tokenizer it was trained with: the ids it learned mean its tokens. */
    private static ApolloConfig requireSameTokenizer(Checkpoint checkpoint, ApolloConfig config) {
        String carried;
        try {
            carried = checkpoint.tokenizer().isEmpty() ? null : Files.readString(checkpoint.tokenizer().get());
        } catch (IOException e) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + ": cannot read its tokenizer.json");
        }
        String wanted = Vocabulary.of(config.data(), config.model()).json().orElse(null);
        if (!Objects.equals(carried, wanted)) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + " was trained with "
                    + (carried == null ? "the byte vocabulary" : "the tokenizer it carries (tokenizer.json)")
                    + ", the configuration gives " + (wanted == null ? "bytes" : "another tokenizer file ("
                    + config.data().tokenizer() + ")") + (carried == null ? ""
                    : ": --set data.tokenizer=" + checkpoint.tokenizer().get()));
        }
        return config;
    }

    private Path runDirectory(Checkpoint checkpoint) {
        if (out != null) {
            return out;
        }
        if (checkpoint != null) {
            Path checkpoints = checkpoint.location().toAbsolutePath().getParent();
            if (!checkpoints.getFileName().toString().equals("checkpoints")) {
                throw new UsageError("checkpoint " + checkpoint.location() + " is not inside a run directory: pass --out DIR");
            }
            return checkpoints.getParent();
        }
        return Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /**
     * A fresh run needs a directory that holds no run. A resumed one keeps every earlier file: the old metrics log
     * is kept aside, and its rows up to the checkpoint, with every event row (they are the run's history), start the
     * new log. Returns what the resumed run redoes and how long it was down, or null for a fresh run.
     */
    private static RunRecorder.Restart prepare(Path runDir, Checkpoint checkpoint, String renderedConfig)
            throws IOException {
        Path metrics = runDir.resolve("metrics.jsonl");
        if (checkpoint == null) {
            if (Files.exists(metrics) || Files.exists(runDir.resolve("checkpoints"))) {
                throw new UsageError(runDir + " already holds a run; continue it with --resume " + runDir
                        + " or choose another --out");
            }
            Files.createDirectories(runDir);
            Files.writeString(runDir.resolve("config.conf"), renderedConfig, StandardCharsets.UTF_8);
            return null;
        }
        Files.createDirectories(runDir);
        long resumeStep = checkpoint.manifest().nextStep();
        RunRecorder.Restart restart = new RunRecorder.Restart(resumeStep, 0, 0, 0);
        if (Files.exists(metrics)) {
            Path kept = runDir.resolve("metrics.before-resume-" + resumeStep + ".jsonl");
            for (int generation = 2; Files.exists(kept); generation++) {
                kept = runDir.resolve("metrics.before-resume-" + resumeStep + "-" + generation + ".jsonl");
            }
            Files.move(metrics, kept);
            restart = carryOver(kept, metrics, resumeStep);
        }
        Path configFile = runDir.resolve("config.conf");
        if (!Files.exists(configFile)) {
            Files.writeString(configFile, renderedConfig, StandardCharsets.UTF_8);
        } else if (!Files.readString(configFile).equals(renderedConfig)) {
            Files.writeString(runDir.resolve("config.resumed-" + resumeStep + ".conf"), renderedConfig);
        }
        return restart;
    }

    /** Writes the new log from the kept one and reads off what the earlier process did past {@code resumeStep}. */
    private static RunRecorder.Restart carryOver(Path kept, Path metrics, long resumeStep) throws IOException {
        List<String> rows = new ArrayList<>();
        long redoSteps = 0;
        double checkpointTime = Double.NaN;
        double lastTime = Files.getLastModifiedTime(kept).toMillis() / 1000.0;
        for (String line : Files.readAllLines(kept)) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject row = MetricsLog.parse(line);
            String type = row.get("type").getAsString();
            long step = row.get("step").getAsLong();
            boolean timeline = type.equals(MetricsLog.TRAIN) || type.equals(MetricsLog.VAL)
                    || type.equals(MetricsLog.SKIPPED);
            if (!timeline || step <= resumeStep) {
                rows.add(line);
            }
            if (timeline && step <= resumeStep && row.has("time")) {
                checkpointTime = row.get("time").getAsDouble();
            }
            if (timeline && step > resumeStep) {
                redoSteps = Math.max(redoSteps, step - resumeStep);
            }
        }
        Files.write(metrics, rows, StandardCharsets.UTF_8);
        double startedAt = ProcessHandle.current().info().startInstant()
                .map(instant -> instant.toEpochMilli() / 1000.0).orElse(System.currentTimeMillis() / 1000.0);
        double redoSeconds = Double.isNaN(checkpointTime) ? 0 : Math.max(0, lastTime - checkpointTime);
        return new RunRecorder.Restart(resumeStep, redoSteps, redoSeconds, Math.max(0, startedAt - lastTime));
    }

    private static void writeSummary(Path runDir, ApolloConfig config, RunPlan plan, RunSnapshot end,
            RunRecorder recorder) throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", end.nextStep());
        summary.put("objective", config.model().objective().name().toLowerCase(Locale.ROOT));
        summary.put("weights", end.weights());
        summary.put("stageStartSteps", plan.stages().expansionSteps());
        if (recorder.lastStep() != null) {
            summary.put("finalTrainLoss", recorder.lastStep().loss());
        }
        if (recorder.lastValidation() != null) {
            summary.put("finalValLossFull", recorder.lastValidation().fullDepthLoss());
            summary.put("finalValLossStage", recorder.lastValidation().stageDepthLoss());
        }
        summary.put("tokens", end.tokens());
        summary.put("flops", end.flops());
        summary.put("scratchFlops", plan.scratchFlops());
        summary.put("flopsRatioToScratch", end.flops() / plan.scratchFlops());
        summary.put("wallSeconds", recorder.wallSeconds());
        summary.put("lastCheckpoint", recorder.lastCheckpoint());
        summary.put("workers", recorder.account());
        Files.writeString(runDir.resolve("summary.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(summary), StandardCharsets.UTF_8);
    }
}
