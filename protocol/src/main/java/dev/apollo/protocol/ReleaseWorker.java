package dev.apollo.protocol;

/** A worker that asked to leave is no longer needed: no shard of any later step is its. */
public record ReleaseWorker(String workerId) implements CoreCommand, WorkerMessage {}
