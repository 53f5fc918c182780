package dev.apollo.config;

/** AdamW. Weight decay applies to matrices only, never to norms and biases. */
public record OptimizerConfig(
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        double gradClip,
        MomentPolicy momentsAtExpansion) {}
