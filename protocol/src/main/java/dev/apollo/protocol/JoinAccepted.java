package dev.apollo.protocol;

/** A worker took the offer: where it receives tensors (an Aeron channel and stream) and which device it runs on. */
public record JoinAccepted(String workerId, String channel, int streamId, String device) implements CoordinatorMessage {}
