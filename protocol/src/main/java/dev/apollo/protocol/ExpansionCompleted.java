package dev.apollo.protocol;

/** Every worker holds the expanded state; {@code digest} is the checksum of that state, equal on all replicas. */
public record ExpansionCompleted(long step, int weights, String digest) implements CoreEvent, CoordinatorMessage {}
