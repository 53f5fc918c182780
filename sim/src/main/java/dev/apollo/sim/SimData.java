package dev.apollo.sim;

/**
 * The simulated training data: each row of a step's global batch has a loss and a gradient that are pure functions
 * of (seed, step, row), as the real batch is a function of (seed, step). A worker reports the mean loss of its shard
 * and all-reduces the sum of its rows' gradients, so any correct split of the batch yields the same step loss and
 * the same reduced gradient, and a shard lost or counted twice shows in both.
 *
 * <p>A gradient is {@link #GRADIENT_ELEMENTS} 64-bit integers summed with wrap-around: exact and order-free, so the
 * ring's arrangement cannot change it.
 */
public final class SimData {

    public static final int GRADIENT_ELEMENTS = 16;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SimData() {}

    /** SplitMix64's finalizer: a bijective mix of 64 bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long rowKey(long seed, long step, int row) {
        return mix(mix(seed) + step * GOLDEN_GAMMA + mix(row + 1L));
    }

    public static double rowLoss(long seed, long step, int row) {
        return 1.0 + 4.0 * ((rowKey(seed, step, row) >>> 11) * 0x1.0p-53);
    }

    /** Mean loss over micro-batches [first, first + count) of the step's batch. */
    public static double meanLoss(long seed, long step, int first, int count) {
        double sum = 0;
        for (int row = first; row < first + count; row++) {
            sum += rowLoss(seed, step, row);
        }
        return sum / count;
    }

    /** The summed gradient of micro-batches [first, first + count) of the step's batch. */
    public static long[] gradient(long seed, long step, int first, int count) {
        long[] sum = new long[GRADIENT_ELEMENTS];
        for (int row = first; row < first + count; row++) {
            long key = rowKey(seed, step, row);
            for (int element = 0; element < GRADIENT_ELEMENTS; element++) {
                sum[element] += mix(key + element * GOLDEN_GAMMA);
            }
        }
        return sum;
    }

    /** A gradient norm to report: a pure function of the reduced gradient, equal on every replica. */
    static double gradientNorm(long[] reduced) {
        long folded = 0;
        for (long element : reduced) {
            folded = mix(folded ^ element);
        }
        return 0.5 + (folded >>> 11) * 0x1.0p-53;
    }
}
