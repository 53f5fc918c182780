package dev.apollo.experiments.accel;

/**
 * One finished run of a frontier sweep: {@code line} (a method and its growth plan) trained to {@code budget} steps
 * with seed offset {@code seed}, and what it cost and reached: its final, fully decayed validation loss, its FLOPs and
 * its training seconds (evaluations and checkpoints left out; for a cooldown branch, the trunk's share included).
 */
public record SweepPoint(String line, long budget, int seed, double loss, double flops, double trainSeconds) {}
