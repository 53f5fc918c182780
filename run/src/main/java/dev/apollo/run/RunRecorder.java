package dev.apollo.run;

import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Records a run as it goes: metrics.jsonl (steps, validations and what disturbed the run), the progress display, and
 * the latest figures for the summary.
 */
final class RunRecorder implements RunListener, AutoCloseable {

    /** The run resumes from a checkpoint: what the earlier process did past it, and when it was last heard of. */
    record Restart(long step, long redoSteps, double redoSeconds, double downSeconds) {}

    private final MetricsLog metrics;
    private final ProgressReporter progress;
    private final PrintStream out;
    private final RunAccount account;
    private final long startNanos = System.nanoTime();
    private Restart restart;
    private long stepsDone;
    private long markNanos = startNanos;
    private int workers;
    private StepRecord lastStep;
    private RecordValidation lastValidation;
    private String lastCheckpoint;

    /** {@code account} holds what earlier processes of the run recorded; {@code restart} is null for a fresh run. */
    RunRecorder(MetricsLog metrics, ProgressReporter progress, PrintStream out, RunAccount account, Restart restart,
            long firstStep) {
        this.metrics = metrics;
        this.progress = progress;
        this.out = out;
        this.account = account;
        this.restart = restart;
        this.stepsDone = firstStep;
    }

    @Override
    public synchronized void onStep(StepRecord record) {
        recordRestart();
        lastStep = record;
        stepsDone = record.stepsDone();
        markNanos = System.nanoTime();
        metrics.write(MetricsLog.trainRow(record, wallSeconds()));
        progress.onStep(record);
    }

    @Override
    public synchronized void onStepSkipped(StepRecord record, int inARow) {
        recordRestart();
        stepsDone = record.stepsDone();
        markNanos = System.nanoTime();
        event(MetricsLog.skippedRow(record, inARow, wallSeconds()));
        out.printf(Locale.ROOT, "step %d skipped: its loss or gradient was not finite, no update applied (%d in a row)%n",
                record.stepsDone(), inARow);
    }

    @Override
    public synchronized void onValidation(RecordValidation validation) {
        lastValidation = validation;
        markNanos = System.nanoTime();
        metrics.write(MetricsLog.validationRow(validation, wallSeconds()));
        progress.onValidation(validation);
    }

    @Override
    public synchronized void onCheckpoint(long nextStep, String location) {
        lastCheckpoint = location;
        markNanos = System.nanoTime();
    }

    @Override
    public synchronized void onWorker(WorkerEvent event, String workerId) {
        switch (event) {
            case JOINED -> workers++;
            case RELEASED, LOST -> workers--;
            default -> { }
        }
        event(MetricsLog.workerRow(event.name().toLowerCase(Locale.ROOT), workerId, stepsDone, wallSeconds()));
    }

    @Override
    public synchronized void onStepRerun(long step, int attempt) {
        // the attempt given up cost the time since the run last moved on: its work and the wait to detect the loss
        long now = System.nanoTime();
        event(MetricsLog.rerunRow(step, attempt, (now - markNanos) / 1e9, wallSeconds()));
        markNanos = now;
    }

    /** The first step after a restart ends it: the run is back, and what the restart cost is known. */
    private void recordRestart() {
        if (restart != null) {
            double startSeconds = ProcessHandle.current().info().startInstant()
                    .map(start -> (System.currentTimeMillis() - start.toEpochMilli()) / 1000.0).orElse(wallSeconds());
            event(MetricsLog.restartRow(restart.step(), restart.redoSteps(), restart.redoSeconds(),
                    restart.downSeconds(), startSeconds, wallSeconds()));
            restart = null;
        }
    }

    private void event(Map<String, Object> row) {
        metrics.write(row);
        account.add(MetricsLog.parse(MetricsLog.json(row)));
        progress.account(account.progressText(workers));
    }

    /** What disturbed the run and what it cost, over every restart. */
    Map<String, Object> account() {
        return account.summary();
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

    synchronized StepRecord lastStep() {
        return lastStep;
    }

    synchronized RecordValidation lastValidation() {
        return lastValidation;
    }

    synchronized String lastCheckpoint() {
        return lastCheckpoint;
    }

    @Override
    public void close() throws IOException {
        progress.close();
        metrics.close();
    }
}
