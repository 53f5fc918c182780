package dev.apollo.protocol;

/** The run is complete: every step ran, the last evaluation and checkpoint are written. */
public record FinishRun(RunSnapshot snapshot) implements CoreCommand {}
