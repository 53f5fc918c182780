package dev.apollo.protocol;

/** Persist the replica's tensors together with the coordinator's snapshot, atomically. */
public record WriteCheckpoint(RunSnapshot snapshot) implements CoreCommand, WorkerMessage {}
