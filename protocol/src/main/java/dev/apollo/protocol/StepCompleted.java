package dev.apollo.protocol;

/** A worker's part of one attempt at a step: mean loss over its rows, the global gradient norm before clipping. */
public record StepCompleted(long step, int attempt, String workerId, int rows, double loss, double gradNorm)
        implements CoreEvent, CoordinatorMessage {}
