package dev.apollo.coordinator.apollo;

/**
 * Low-Value-Prioritized Sampling (LVPS), paper Eqs. (5)-(8): the continuous density on [N, L] is
 * P(x) = b / (x + k)^2 (from the CDF F(x) = c - b / (x + k)), which favours shallow depths; k = 0 (the paper's
 * setting) favours them most.
 *
 * <p>Depths are integers, so the density is evaluated at each integer depth and renormalized:
 * <pre>
 *   P(d) = (d + k)^-2 / sum_{j=N..L} (j + k)^-2   for d in [N, L],   0 otherwise.
 * </pre>
 * b cancels in the renormalization. For k = 0, L = 12, N = 1 this gives P(1) = 1 / sum_{j=1..12} j^-2, about 0.64.
 * This is the weighting of {@code random.choices(range(N, L+1), [1/d**2 ...])}, not the mass of [d, d+1) under the
 * continuous density (which would leave L itself no mass).
 *
 * @param totalLayers L, the model's depth
 * @param k the offset, k >= 0
 */
public record LvpsSampler(int totalLayers, double k) implements DepthSampler {

    public LvpsSampler {
        DepthMasses.requireTotalLayers(totalLayers);
        if (!(k >= 0.0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("LVPS needs a finite k >= 0, got " + k);
        }
    }

    @Override
    public double[] probabilities(int weights) {
        return DepthMasses.normalized(totalLayers, weights, d -> 1.0 / ((d + k) * (d + k)));
    }
}
