package dev.apollo.protocol;

/**
 * A worker's part of one attempt at a step: mean loss over its rows, the norm before clipping of the gradient it
 * applied (the all-reduced, global one: the same on every replica, which the coordinator node checks), and the
 * seconds it was busy with the step (forward, backward, gradient exchange and update), read off its own clock.
 */
public record StepCompleted(long step, int attempt, String workerId, int rows, double loss, double gradNorm,
        double workSeconds)
        implements CoreEvent, CoordinatorMessage {}
