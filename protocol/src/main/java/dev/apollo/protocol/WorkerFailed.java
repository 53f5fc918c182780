package dev.apollo.protocol;

/** A worker could not carry out a command; the message says why in one line. */
public record WorkerFailed(String workerId, String message) implements CoordinatorMessage {}
