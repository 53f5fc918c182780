package dev.apollo.protocol;

/** Messages the coordinator accepts from workers. */
public sealed interface CoordinatorMessage
        permits StepCompleted, StepStalled, EvaluationCompleted, CheckpointCompleted, StatePulled, StatePushed,
                StateSynced, StateRestored, WorkerFailed, JoinAccepted, JoinRefused,
                LeaveRequested, LeaveOrdered {}
