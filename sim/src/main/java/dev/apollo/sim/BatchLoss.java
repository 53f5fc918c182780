package dev.apollo.sim;

import java.util.SplittableRandom;

/**
 * The made-up training loss of the simulated data: each row of a step's global batch has a loss that is a pure
 * function of (seed, step, row), as the real batch is. A worker reports the mean over its shard, so any correct
 * split of the batch, weighted by rows, averages to the same step loss, and a lost or doubled shard shows.
 */
public final class BatchLoss {

    private BatchLoss() {}

    public static double row(long seed, long step, int row) {
        long mixed = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + row;
        return 1.0 + 4.0 * new SplittableRandom(mixed).nextDouble();
    }

    /** Mean loss over rows [firstRow, firstRow + rowCount) of the step's batch. */
    public static double mean(long seed, long step, int firstRow, int rowCount) {
        double sum = 0;
        for (int row = firstRow; row < firstRow + rowCount; row++) {
            sum += row(seed, step, row);
        }
        return sum / rowCount;
    }
}
