package dev.apollo.experiments.accel;

import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.StepRecord;
import dev.apollo.run.MetricsLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects one method's run for the acceleration benchmark and writes its metrics log. Wall time counts training
 * only: each step is timed from the previous event (step, evaluation or checkpoint) to its own end, so evaluations
 * and checkpoints, which every method does alike, are left out; expansions, part of a method's cost, are in.
 */
public final class AccelRecorder implements RunListener {

    /** A validation point: the full-depth loss after {@code stepsDone} steps, with FLOPs and training seconds. */
    public record Point(long stepsDone, int weights, double loss, double flops, double trainSeconds) {}

    private final MetricsLog metrics;
    private final List<StepRecord> steps = new ArrayList<>();
    private final List<Point> points = new ArrayList<>();
    private long lastEventNanos = System.nanoTime();
    private double trainSeconds;
    private RecordValidation lastValidation;

    public AccelRecorder(MetricsLog metrics) {
        this(metrics, 0);
    }

    /** A run that continues another (a cooldown branch of a trunk) whose training took {@code startSeconds}. */
    public AccelRecorder(MetricsLog metrics, double startSeconds) {
        this.metrics = metrics;
        this.trainSeconds = startSeconds;
    }

    @Override
    public void onStep(StepRecord record) {
        stepDone();
        steps.add(record);
        metrics.write(MetricsLog.trainRow(record, trainSeconds));
    }

    @Override
    public void onStepSkipped(StepRecord record, int inARow) {
        stepDone(); // a skipped step's time is training time too
        metrics.write(MetricsLog.skippedRow(record, inARow, trainSeconds));
    }

    /** Counts the time since the previous event as training. */
    private void stepDone() {
        long now = System.nanoTime();
        trainSeconds += (now - lastEventNanos) / 1e9;
        lastEventNanos = now;
    }

    @Override
    public void onValidation(RecordValidation validation) {
        lastEventNanos = System.nanoTime();
        lastValidation = validation;
        points.add(new Point(validation.stepsDone(), validation.weights(), validation.fullDepthLoss(),
                validation.flops(), trainSeconds));
        metrics.write(MetricsLog.validationRow(validation, trainSeconds));
    }

    @Override
    public void onCheckpoint(long nextStep, String location) {
        lastEventNanos = System.nanoTime();
    }

    public List<StepRecord> steps() {
        return steps;
    }

    public List<Point> points() {
        return points;
    }

    public double trainSeconds() {
        return trainSeconds;
    }

    /** The run's last validation, with both its full-depth and its stage-depth loss. */
    public RecordValidation lastValidation() {
        return lastValidation;
    }

}
