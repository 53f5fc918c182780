package dev.apollo.protocol;

/**
 * One row of the training log after {@code stepsDone} steps. Tokens and FLOPs are cumulative; {@code workSeconds} is
 * the slowest worker's busy time for the step, as the workers reported it. Wall time is added by whoever owns a clock.
 */
public record StepRecord(long stepsDone, int stage, int weights, int depth, double loss, double gradNorm, double lr,
        long tokens, double flops, double workSeconds) {}
