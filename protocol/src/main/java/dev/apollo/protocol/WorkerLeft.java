package dev.apollo.protocol;

/**
 * A worker is gone without notice: it crashed, or the failure detector declared it dead after its timeout. Its id
 * is never admitted again; a process that comes back joins under a new id.
 */
public record WorkerLeft(String workerId) implements CoreEvent {}
