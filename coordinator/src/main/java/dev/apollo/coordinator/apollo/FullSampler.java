package dev.apollo.coordinator.apollo;

/**
 * Full Sampling (FS, paper Table 1): always the full depth L, so every stage's weights learn every layer's role,
 * at the full model's cost.
 *
 * @param totalLayers L, the model's depth
 */
public record FullSampler(int totalLayers) implements DepthSampler {

    public FullSampler {
        DepthMasses.requireTotalLayers(totalLayers);
    }

    @Override
    public double[] probabilities(int weights) {
        DepthMasses.requireWeights(totalLayers, weights);
        return DepthMasses.pointMass(totalLayers, totalLayers);
    }
}
