package dev.apollo.coordinator.apollo;

/**
 * No sampling: always depth N(s), each weight used once, i.e. plain progressive training ("Apollo w/o sampling"
 * in the paper's Fig. 7).
 *
 * @param totalLayers L, the model's depth
 */
public record NoneSampler(int totalLayers) implements DepthSampler {

    public NoneSampler {
        DepthMasses.requireTotalLayers(totalLayers);
    }

    @Override
    public double[] probabilities(int weights) {
        DepthMasses.requireWeights(totalLayers, weights);
        return DepthMasses.pointMass(totalLayers, weights);
    }
}
