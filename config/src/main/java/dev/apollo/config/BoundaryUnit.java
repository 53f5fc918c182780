package dev.apollo.config;

/** How stage boundaries are written: as steps, as tokens seen, or as fractions of the run's steps. */
public enum BoundaryUnit {
    STEPS,
    TOKENS,
    FRACTION
}
