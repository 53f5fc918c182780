package dev.apollo.worker.checkpoint;

/**
 * What a checkpoint holds besides tensors: the coordinator's snapshot (next step, stage and its real layers, seed,
 * tokens and FLOPs so far), the optimizer's update count and the run's full configuration as HOCON. Depth draws
 * and data order are functions of (seed, step): {@code nextStep} is the sampler's and the data loader's position.
 */
public record CheckpointManifest(
        String format, long nextStep, int stage, int weights, long seed, long tokens, double flops, long optimizerUpdates,
        String config) {

    public static final String FORMAT = "apollo-checkpoint/1";
}
