package dev.apollo.protocol;

/** A worker asks to leave cleanly: it finishes the step in flight and goes when {@link ReleaseWorker} says so. */
public record WorkerLeaving(String workerId) implements CoreEvent {}
