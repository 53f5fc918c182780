package dev.apollo.protocol;

/** A worker's part of a step: mean loss over its rows, the global gradient norm before clipping. */
public record StepCompleted(long step, String workerId, int rows, double loss, double gradNorm)
        implements CoreEvent, CoordinatorMessage {}
