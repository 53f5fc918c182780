package dev.apollo.protocol;

/** Ask a worker for its full state (the coordinator expands it and pushes it back). */
public record PullState(long step) implements WorkerMessage {}
