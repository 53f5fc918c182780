package dev.apollo.config;

/** Shape of the learning-rate decay after warmup. */
public enum DecayKind {
    COSINE,
    LINEAR,
    CONSTANT,
    /** Warmup-stable-decay: the peak rate until the last {@code decay-fraction} of the run, then linear down. */
    WSD
}
