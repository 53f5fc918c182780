package dev.apollo.coordinator.apollo;

/**
 * Edge Sampling (ES, paper Table 1): mass piled at both ends of [N, L], the continuous density
 * P(x) = (1/k) (1 / (x - N - b) + 1 / (L + b - x)) with b < 0. Writing c = -b > 0, the density integrates to 1
 * over [N, L] when 2 ln((L - N + c) / c) = k, so
 * <pre>
 *   c = (L - N) / (exp(k / 2) - 1).
 * </pre>
 * Larger k puts the poles closer to the ends (the paper uses k = 10). At integer depths, renormalized:
 * <pre>
 *   P(d) proportional to 1 / (d - N + c) + 1 / (L - d + c)   for d in [N, L].
 * </pre>
 *
 * @param totalLayers L, the model's depth
 * @param k the concentration, k > 0
 */
public record EdgeSampler(int totalLayers, double k) implements DepthSampler {

    public EdgeSampler {
        DepthMasses.requireTotalLayers(totalLayers);
        if (!(k > 0.0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("edge sampling needs a finite k > 0, got " + k);
        }
    }

    @Override
    public double[] probabilities(int weights) {
        double c = (totalLayers - weights) / Math.expm1(k / 2.0);
        return DepthMasses.normalized(totalLayers, weights,
                d -> 1.0 / (d - weights + c) + 1.0 / (totalLayers - d + c));
    }
}
