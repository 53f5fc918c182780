package dev.apollo.experiments;

import java.util.Arrays;

/**
 * Durations of timed steps, pooled over a benchmark's rounds. A low quantile is the cost of an undisturbed step: a
 * cost that a path adds to every step shifts every quantile by exactly that much, while the bursts of a shared
 * machine (here, seconds-long spells in which every step is 20% slower, landing on whichever path happens to run)
 * only lift the upper ones. The mean is kept for throughput with the noise included.
 */
public final class StepTimes {

    /** Which step time the figures use, not the mean: see above. */
    public static final double UNDISTURBED_QUANTILE = 0.10;

    private long[] nanos = new long[64];
    private int count;

    public void add(long stepNanos) {
        if (stepNanos <= 0) {
            throw new IllegalArgumentException("a step's duration must be positive, got " + stepNanos + " ns");
        }
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = stepNanos;
    }

    /** The {@code q}-quantile of the step times (nearest rank), in seconds. */
    public double quantileSeconds(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("a quantile lies in [0, 1], got " + q);
        }
        requireSteps();
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * count);
        return sorted[Math.max(0, rank - 1)] / 1e9;
    }

    public double meanSeconds() {
        requireSteps();
        double total = 0;
        for (int i = 0; i < count; i++) {
            total += nanos[i];
        }
        return total / count / 1e9;
    }

    private void requireSteps() {
        if (count == 0) {
            throw new IllegalStateException("no step was timed");
        }
    }
}
