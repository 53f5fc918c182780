package dev.apollo.protocol;

/**
 * Replace a worker's state with the expanded one, {@code weights} real layers as of the boundary before
 * {@code step}; the worker answers {@link StatePushed} with the digest of what it now holds.
 */
public record PushState(long step, long round, int weights, TensorState state) implements WorkerMessage {}
