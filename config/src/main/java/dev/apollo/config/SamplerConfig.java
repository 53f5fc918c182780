package dev.apollo.config;

/** The per-step depth sampler and its shape parameter k (LVPS offset; ES concentration). */
public record SamplerConfig(SamplerKind kind, double k) {}
