package dev.apollo.protocol;

/** Replace a worker's state (after an expansion); the worker answers with {@link ExpansionCompleted}. */
public record PushState(long step, int weights, TensorState state) implements WorkerMessage {}
