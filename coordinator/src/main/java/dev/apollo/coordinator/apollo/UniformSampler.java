package dev.apollo.coordinator.apollo;

/**
 * Uniform Sampling (US, paper Table 1): every integer depth in [N, L] equally likely, P(d) = 1 / (L - N + 1).
 * (The paper's 1 / (L - N) is the continuous density on [N, L]; there are L - N + 1 integer depths.)
 *
 * @param totalLayers L, the model's depth
 */
public record UniformSampler(int totalLayers) implements DepthSampler {

    public UniformSampler {
        DepthMasses.requireTotalLayers(totalLayers);
    }

    @Override
    public double[] probabilities(int weights) {
        return DepthMasses.normalized(totalLayers, weights, d -> 1.0);
    }
}
