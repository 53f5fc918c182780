package dev.apollo.protocol;

/**
 * A worker's part of one attempt at a step: the step's mean loss and the norm before clipping of the gradient it
 * applied (both taken from the all-reduced sum over every micro-batch, so the same on every replica, which the
 * coordinator node checks), how many micro-batches it computed, and the seconds it was busy with the step (forward,
 * backward, gradient exchange and update), read off its own clock.
 */
public record StepCompleted(long step, int attempt, String workerId, int microBatches, double loss, double gradNorm,
        double workSeconds)
        implements CoreEvent, CoordinatorMessage {}
