package dev.apollo.protocol;

/** A worker has left, cleanly or declared dead. */
public record WorkerLeft(String workerId) implements CoreEvent {}
