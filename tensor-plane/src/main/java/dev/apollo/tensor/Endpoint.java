package dev.apollo.tensor;

/** Where a process receives tensors: an Aeron channel ({@code aeron:ipc} or {@code aeron:udp?endpoint=host:port}) and stream. */
public record Endpoint(String channel, int streamId) {}
