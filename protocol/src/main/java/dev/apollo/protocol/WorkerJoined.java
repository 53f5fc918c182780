package dev.apollo.protocol;

/** A worker is ready to take shards; it joins at the next step boundary. */
public record WorkerJoined(String workerId) implements CoreEvent {}
