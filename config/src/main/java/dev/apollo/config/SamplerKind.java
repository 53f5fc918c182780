package dev.apollo.config;

/**
 * Depth samplers: LVPS (paper, discretized), LVPS_REF (the authors' released code), UNIFORM (US), EDGE (ES),
 * FULL (FS: always L) and NONE (always N(s): progressive training without sampling).
 */
public enum SamplerKind {
    LVPS,
    LVPS_REF,
    UNIFORM,
    EDGE,
    FULL,
    NONE
}
