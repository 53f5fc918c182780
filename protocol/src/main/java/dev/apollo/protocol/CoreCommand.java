package dev.apollo.protocol;

/** What the coordinator core asks its node to do. The core never sees a tensor, a clock or a file. */
public sealed interface CoreCommand
        permits RunStep, Evaluate, ExpandWeights, WriteCheckpoint, RecordStep, RecordSkippedStep, RecordValidation,
                FinishRun, FailRun, SyncState, RestoreState, ReleaseWorker, WaitForWorkers {}
