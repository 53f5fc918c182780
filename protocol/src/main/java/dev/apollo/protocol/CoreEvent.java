package dev.apollo.protocol;

/** What the coordinator core reacts to: membership changes and the results of the commands it issued. */
public sealed interface CoreEvent
        permits WorkerJoined, WorkerLeaving, WorkerLeft, StepCompleted, EvaluationCompleted, ExpansionCompleted,
                CheckpointCompleted, StateSynced, StateRestored {}
