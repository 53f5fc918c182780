package dev.apollo.protocol;

/**
 * Ask a worker for its full state of {@code weights} real layers as of the boundary before {@code step} (the
 * coordinator expands it and pushes it back). {@code round} numbers the coordinator's expansion rounds: a reply to
 * an older round is void.
 */
public record PullState(long step, long round, int weights) implements WorkerMessage {}
