package dev.apollo.protocol;

/** A worker is ready to take shards; it is admitted, with a copy of the run's state, at the next step boundary. */
public record WorkerJoined(String workerId) implements CoreEvent {}
