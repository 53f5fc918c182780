package dev.apollo.coordinator.apollo;

import java.util.Locale;

/**
 * Maps of {@code weights} real layer weights onto {@code depth} layer slots, 0-based: slot {@code l} runs weight
 * {@code map[l]}. The same map serves two uses in Apollo: per-step sharing of N(s) weights over a sampled depth
 * L(t) (paper Alg. 1, line 9) and the copy that initializes N(s) weights from N(s-1) at an expansion (line 4),
 * where {@code weights} is the old count and {@code depth} the new one.
 */
public final class LayerMap {

    private LayerMap() {}

    /**
     * Interpolation, paper Eq. (10): g(l) = floor(l * N / D). Neighbouring slots share a weight (3 on 6 gives
     * 0,0,1,1,2,2). Every weight is used when D >= N; when D < N some are skipped (6 on 3 gives 0,2,4).
     */
    public static int[] interpolation(int weights, int depth) {
        requirePositive(weights, depth);
        int[] map = new int[depth];
        for (int l = 0; l < depth; l++) {
            map[l] = (int) ((long) l * weights / depth); // long: l * N may overflow int for large shapes
        }
        return map;
    }

    /** Stacking, paper Eq. (9) (StackBERT): g(l) = l mod N. The weights repeat as blocks (3 on 6 gives 0,1,2,0,1,2). */
    public static int[] stacking(int weights, int depth) {
        requirePositive(weights, depth);
        int[] map = new int[depth];
        for (int l = 0; l < depth; l++) {
            map[l] = l % weights;
        }
        return map;
    }

    /** The map of the given kind, "interpolation" or "stacking" (case-insensitive). */
    public static int[] of(String kindName, int weights, int depth) {
        return switch (kindName.toLowerCase(Locale.ROOT)) {
            case "interpolation" -> interpolation(weights, depth);
            case "stacking" -> stacking(weights, depth);
            default -> throw new IllegalArgumentException(
                    "unknown layer map kind '" + kindName + "' (expected interpolation or stacking)");
        };
    }

    private static void requirePositive(int weights, int depth) {
        if (weights < 1 || depth < 1) {
            throw new IllegalArgumentException(
                    "a layer map needs weights >= 1 and depth >= 1, got weights=" + weights + ", depth=" + depth);
        }
    }
}
