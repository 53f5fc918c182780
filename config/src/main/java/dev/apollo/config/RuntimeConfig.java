package dev.apollo.config;

/** Where tensors live (AUTO: a GPU when DJL sees one, else the CPU) and the engine's intra-op threads. */
public record RuntimeConfig(DeviceKind device, int threads) {}
