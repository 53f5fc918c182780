package dev.apollo.protocol;

/** A worker's full state, in answer to {@link PullState}. */
public record StatePulled(long step, String workerId, TensorState state) implements CoordinatorMessage {}
