package dev.apollo.run;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.apollo.config.ApolloConfig;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.run.cluster.ClusterRun;
import dev.apollo.worker.checkpoint.Checkpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run in its directory, from start to summary: the directory prepared (a fresh run's, or a resumed one's
 * with its history carried over), the run recorded into metrics.jsonl as it goes (in one process, or on a cluster),
 * then its loss plot and summary.json.
 */
public final class TrainingRun {

    /**
     * Where the run starts: its configuration (and the rendering stored with it), its directory, the checkpoint it
     * resumes (or null), the parameters it starts from otherwise (null: the seed's) and where they came from.
     */
    public record Start(ApolloConfig config, String rendered, Path runDir, Checkpoint checkpoint, TensorState initial,
            Path initFrom) {}

    private TrainingRun() {}

    /** Trains to the end of the plan: in this process if {@code launch} is null, else on its cluster. */
    public static RunSnapshot train(Start run, ClusterRun.Launch launch, PrintStream console) throws IOException {
        ApolloConfig config = run.config();
        String rendered = run.rendered();
        Path runDir = run.runDir();
        Checkpoint checkpoint = run.checkpoint();
        Path initFrom = run.initFrom();
        RunPlan plan = RunPlan.from(config);
        Corpus.Loaded corpus = Corpus.read(config);
        RunRecorder.Restart restart = prepare(runDir, checkpoint, rendered);

        RunSnapshot start = checkpoint == null ? plan.freshStart() : checkpoint.snapshot();
        TensorState state = checkpoint == null ? run.initial() : checkpoint.state();
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
        return end;
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
