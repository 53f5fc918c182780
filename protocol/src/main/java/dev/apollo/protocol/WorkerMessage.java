package dev.apollo.protocol;

/** Messages a worker accepts from the coordinator. */
public sealed interface WorkerMessage
        permits RunStep, Evaluate, WriteCheckpoint, PullState, PushState, SyncState, RestoreState, ReleaseWorker,
                JoinOffer, PeerDirectory {}
