package dev.apollo.protocol;

/** {@code workerId} persists its replica's tensors together with the coordinator's snapshot, atomically. */
public record WriteCheckpoint(RunSnapshot snapshot, String workerId) implements CoreCommand, WorkerMessage {}
