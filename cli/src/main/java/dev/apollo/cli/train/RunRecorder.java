package dev.apollo.cli.train;

import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Records a run as it goes: metrics.jsonl, the progress display, and the latest figures for the summary. */
final class RunRecorder implements RunListener, AutoCloseable {

    private final MetricsLog metrics;
    private final ProgressReporter progress;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private StepRecord lastStep;
    private RecordValidation lastValidation;
    private String lastCheckpoint;
    private int joined;
    private int released;
    private int lost;
    private int rerunSteps;
    private int skippedSteps;

    RunRecorder(MetricsLog metrics, ProgressReporter progress, PrintStream out) {
        this.metrics = metrics;
        this.progress = progress;
        this.out = out;
    }

    @Override
    public void onStep(StepRecord record) {
        lastStep = record;
        metrics.write(MetricsLog.trainRow(record, wallSeconds()));
        progress.onStep(record);
    }

    @Override
    public synchronized void onStepSkipped(StepRecord record, int inARow) {
        skippedSteps++;
        metrics.write(MetricsLog.skippedRow(record, inARow, wallSeconds()));
        out.printf(Locale.ROOT, "step %d skipped: its loss or gradient was not finite, no update applied (%d in a row)%n",
                record.stepsDone(), inARow);
    }

    @Override
    public void onValidation(RecordValidation validation) {
        lastValidation = validation;
        metrics.write(MetricsLog.validationRow(validation, wallSeconds()));
        progress.onValidation(validation);
    }

    @Override
    public void onCheckpoint(long nextStep, String location) {
        lastCheckpoint = location;
    }

    @Override
    public synchronized void onWorker(WorkerEvent event, String workerId) {
        switch (event) {
            case JOINED -> joined++;
            case RELEASED -> released++;
            case LOST -> lost++;
        }
        progress.workers(joined - released - lost);
    }

    @Override
    public synchronized void onStepRerun(long step, int attempt) {
        rerunSteps++;
    }

    /**
     * What became of the run's workers: joins, releases, losses, the steps run again after a loss, and the steps
     * skipped for a non-finite loss or gradient.
     */
    synchronized Map<String, Integer> workerCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("joined", joined);
        counts.put("released", released);
        counts.put("lost", lost);
        counts.put("rerunSteps", rerunSteps);
        counts.put("skippedSteps", skippedSteps);
        return counts;
    }

    @Override
    public void onFinished(RunSnapshot snapshot) {
        progress.close();
    }

    @Override
    public void onFailed(String message) {
        progress.close();
        out.println("run failed: " + message);
    }

    double wallSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    StepRecord lastStep() {
        return lastStep;
    }

    RecordValidation lastValidation() {
        return lastValidation;
    }

    String lastCheckpoint() {
        return lastCheckpoint;
    }

    @Override
    public void close() throws Exception {
        progress.close();
        metrics.close();
    }
}
