package dev.apollo.coordinator.apollo;

/**
 * A counter-based uniform double in [0, 1): a pure function of (seed, step), so a depth draw can be replayed from
 * the step number alone (after a restart, or in the simulator) without carrying generator state.
 */
final class StepUniform {

    /** SplitMix64's increment (odd, about 2^64 / golden ratio), as in {@link java.util.SplittableRandom}. */
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private StepUniform() {}

    /**
     * The value SplittableRandom would give as its (step+1)-th long, seeded with a scrambled seed: scrambling first
     * keeps nearby seeds (s and s + gamma) from producing shifted copies of one sequence.
     */
    static double at(long seed, long step) {
        long bits = mix64(mix64(seed) + (step + 1) * GOLDEN_GAMMA);
        return (bits >>> 11) * 0x1.0p-53; // top 53 bits: every double in [0, 1) on a 2^-53 grid
    }

    /** Stafford's variant 13 finalizer, the SplitMix64 output function. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
