package dev.apollo.cli.train;

import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;
import java.io.PrintStream;

/** Records a run as it goes: metrics.jsonl, the progress display, and the latest figures for the summary. */
final class RunRecorder implements RunListener, AutoCloseable {

    private final MetricsLog metrics;
    private final ProgressReporter progress;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private StepRecord lastStep;
    private RecordValidation lastValidation;
    private String lastCheckpoint;

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
