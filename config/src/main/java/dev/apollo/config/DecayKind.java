package dev.apollo.config;

/** Shape of the learning-rate decay after warmup. */
public enum DecayKind {
    COSINE,
    LINEAR,
    CONSTANT
}
