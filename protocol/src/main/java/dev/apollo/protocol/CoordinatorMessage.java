package dev.apollo.protocol;

/** Messages the coordinator accepts from workers. */
public sealed interface CoordinatorMessage
        permits StepCompleted, EvaluationCompleted, ExpansionCompleted, CheckpointCompleted, StatePulled, WorkerFailed,
                StateRestored {}
