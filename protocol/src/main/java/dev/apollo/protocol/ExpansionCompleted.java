package dev.apollo.protocol;

/** Every holder loaded the expanded state; {@code digest} is its checksum, the same on all of them. */
public record ExpansionCompleted(long step, int weights, String digest) implements CoreEvent {}
