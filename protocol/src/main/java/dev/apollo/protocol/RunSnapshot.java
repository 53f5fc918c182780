package dev.apollo.protocol;

/**
 * The coordinator's whole progress in a few numbers: the next step to run, the stage whose {@code weights} real
 * layers the replicas hold, and what has been spent so far.
 * Depth draws and data order are functions of (seed, step), so no sampler or data cursor state is needed
 * beyond {@code nextStep}.
 */
public record RunSnapshot(long nextStep, int stage, int weights, long seed, long tokens, double flops) {}
