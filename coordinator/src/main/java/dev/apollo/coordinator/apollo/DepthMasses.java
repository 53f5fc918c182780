package dev.apollo.coordinator.apollo;

import java.util.function.IntToDoubleFunction;

/** Shared bookkeeping of the samplers' probability arrays, indexed by depth 0..L. */
final class DepthMasses {

    private DepthMasses() {}

    static void requireWeights(int totalLayers, int weights) {
        if (weights < 1 || weights > totalLayers) {
            throw new IllegalArgumentException(
                    "weights must be in [1, " + totalLayers + "] (the model depth), got " + weights);
        }
    }

    static void requireTotalLayers(int totalLayers) {
        if (totalLayers < 1) {
            throw new IllegalArgumentException("a sampler needs at least one layer, got " + totalLayers);
        }
    }

    /** All mass on one depth. */
    static double[] pointMass(int totalLayers, int depth) {
        double[] p = new double[totalLayers + 1];
        p[depth] = 1.0;
        return p;
    }

    /**
     * Unnormalized weights over the integer depths [N, L], renormalized to sum to 1. With N == L the only depth is L,
     * whatever the weight function says there (some have a pole at N == L).
     */
    static double[] normalized(int totalLayers, int weights, IntToDoubleFunction weightOfDepth) {
        requireWeights(totalLayers, weights);
        if (weights == totalLayers) {
            return pointMass(totalLayers, totalLayers);
        }
        double[] p = new double[totalLayers + 1];
        double sum = 0.0;
        for (int d = weights; d <= totalLayers; d++) {
            p[d] = weightOfDepth.applyAsDouble(d);
            sum += p[d];
        }
        for (int d = weights; d <= totalLayers; d++) {
            p[d] /= sum;
        }
        return p;
    }
}
