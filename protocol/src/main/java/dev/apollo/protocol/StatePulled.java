package dev.apollo.protocol;

/** A worker's full state, in answer to {@link PullState}. */
public record StatePulled(long step, long round, String workerId, TensorState state) implements CoordinatorMessage {}
