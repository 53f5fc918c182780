package dev.apollo.protocol;

/**
 * A worker's part of one attempt at a step: mean loss over its rows, the global gradient norm before clipping, and
 * the seconds it was busy with the step (forward, backward, gradient exchange and update), read off its own clock.
 */
public record StepCompleted(long step, int attempt, String workerId, int rows, double loss, double gradNorm,
        double workSeconds)
        implements CoreEvent, CoordinatorMessage {}
