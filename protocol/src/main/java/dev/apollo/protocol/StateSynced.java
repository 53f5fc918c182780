package dev.apollo.protocol;

/** {@code workerId} holds the state of the boundary before step {@code step}, copied from a member. */
public record StateSynced(long step, String workerId) implements CoreEvent, CoordinatorMessage {}
