package dev.apollo.protocol;

/** Log a finished step. */
public record RecordStep(StepRecord record) implements CoreCommand {}
