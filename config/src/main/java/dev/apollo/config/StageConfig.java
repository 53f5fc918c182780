package dev.apollo.config;

import java.util.List;

/**
 * Apollo's stages: {@code layers.get(s)} real layer weights N(s) in stage s, strictly increasing, the last equal to
 * the model depth. {@code boundaries} has one entry fewer than {@code layers}: where stage s+1 starts, in
 * {@code boundaryUnit}. {@code sharing} is the per-step map of N(s) weights onto the sampled depth;
 * {@code expansion} the map used to copy weights (and moments) when a stage begins.
 */
public record StageConfig(
        List<Integer> layers,
        List<Double> boundaries,
        BoundaryUnit boundaryUnit,
        LayerMapKind sharing,
        LayerMapKind expansion) {

    public StageConfig {
        layers = List.copyOf(layers);
        boundaries = List.copyOf(boundaries);
    }
}
