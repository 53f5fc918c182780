package dev.apollo.protocol;

/** The run cannot go on: it stops as failed, nothing more is written, and {@code reason} says why on one line. */
public record FailRun(String reason) implements CoreCommand {}
