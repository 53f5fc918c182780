package dev.apollo.protocol;

/**
 * A worker process asks to leave the run cleanly (it was told to stop): the coordinator passes it on to the node as
 * {@link WorkerLeaving}; the worker finishes its step and goes when {@link ReleaseWorker} says so.
 */
public record LeaveRequested(String workerId) implements CoordinatorMessage {}
