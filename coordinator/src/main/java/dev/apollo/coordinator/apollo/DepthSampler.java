package dev.apollo.coordinator.apollo;

import java.util.Locale;

/**
 * Chooses the depth L(t) in [N(s), L] that a stage's N(s) weights are shared over at step t (paper Alg. 1, line 7,
 * and Table 1). Draws are counter-based: the depth at a step is a pure function of (seed, step, weights), so the
 * coordinator and the simulator agree on every draw without shared generator state.
 */
public sealed interface DepthSampler
        permits LvpsSampler, LvpsRefSampler, UniformSampler, EdgeSampler, FullSampler, NoneSampler {

    /** L, the depth of the full model. */
    int totalLayers();

    /** P(depth = d) for d in 0..L; zero outside [weights, L]. */
    double[] probabilities(int weights);

    /** The depth for {@code step}: inverse CDF of {@link #probabilities} at the step's uniform. */
    default int draw(int weights, long seed, long step) {
        double[] p = probabilities(weights);
        double u = StepUniform.at(seed, step);
        double cumulative = 0.0;
        for (int d = weights; d < p.length; d++) {
            cumulative += p[d];
            if (u < cumulative) {
                return d;
            }
        }
        // u fell above a cumulative sum that rounded to just under 1: the top depth with mass takes it
        int last = p.length - 1;
        while (p[last] == 0.0) {
            last--;
        }
        return last;
    }

    /** E[depth] under {@link #probabilities}: what a stage costs per step, on average, in layers. */
    default double expectedDepth(int weights) {
        double[] p = probabilities(weights);
        double mean = 0.0;
        for (int d = 0; d < p.length; d++) {
            mean += d * p[d];
        }
        return mean;
    }

    /**
     * The sampler of the given kind: "lvps", "lvps-ref", "uniform", "edge", "full" or "none" (case-insensitive,
     * '_' accepted for '-', so an enum constant's name works). {@code k} is LVPS's offset or ES's concentration and
     * is ignored by the other kinds.
     */
    static DepthSampler of(String kindName, int totalLayers, double k) {
        return switch (kindName.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "lvps" -> new LvpsSampler(totalLayers, k);
            case "lvps-ref" -> new LvpsRefSampler(totalLayers);
            case "uniform" -> new UniformSampler(totalLayers);
            case "edge" -> new EdgeSampler(totalLayers, k);
            case "full" -> new FullSampler(totalLayers);
            case "none" -> new NoneSampler(totalLayers);
            default -> throw new IllegalArgumentException("unknown sampler kind '" + kindName
                    + "' (expected lvps, lvps-ref, uniform, edge, full or none)");
        };
    }
}
