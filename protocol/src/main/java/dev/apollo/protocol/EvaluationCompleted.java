package dev.apollo.protocol;

/** Validation cross-entropy (nats per predicted token) at the full depth and at the stage's depth. */
public record EvaluationCompleted(long stepsDone, String workerId, double fullDepthLoss, double stageDepthLoss)
        implements CoreEvent, CoordinatorMessage {}
