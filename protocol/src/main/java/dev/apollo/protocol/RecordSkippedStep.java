package dev.apollo.protocol;

/**
 * Log a step that every owner skipped because its loss or gradient was not finite. The record counts it like any
 * step (tokens, FLOPs, depth, learning rate), but its loss and gradient norm are NaN and are no training loss;
 * {@code inARow} is how many steps in a row, this one included, were skipped.
 */
public record RecordSkippedStep(StepRecord record, int inARow) implements CoreCommand {}
