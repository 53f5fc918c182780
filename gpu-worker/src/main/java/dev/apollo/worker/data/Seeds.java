package dev.apollo.worker.data;

import java.util.SplittableRandom;

/**
 * Random generators keyed by a tuple such as (seed, epoch) or (seed, step, row), so every random choice in the data
 * pipeline is a pure function of its coordinates and independent of call order.
 */
final class Seeds {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {}

    static SplittableRandom random(long... key) {
        long state = 0x243F6A8885A308D3L;
        for (long part : key) {
            // Mixing after every part makes (a, b) and (b, a) or (a, b + 1) unrelated streams.
            state = mix64((state + GOLDEN_GAMMA) ^ mix64(part));
        }
        return new SplittableRandom(state);
    }

    /** Stafford variant 13 of the MurmurHash3 finalizer (as in SplittableRandom). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
