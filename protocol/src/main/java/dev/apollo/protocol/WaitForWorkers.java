package dev.apollo.protocol;

/**
 * The run pauses at the boundary before {@code nextStep}: {@code members} workers hold its state, fewer than the
 * {@code needed} it steps with. It goes on when workers join (the coordinator node bounds the wait).
 */
public record WaitForWorkers(long nextStep, int members, int needed) implements CoreCommand {}
