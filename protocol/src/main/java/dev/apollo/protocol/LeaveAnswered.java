package dev.apollo.protocol;

/** The coordinator's answer to {@link LeaveOrdered}: whether the worker will go, and a one-line message saying so. */
public record LeaveAnswered(String workerId, boolean accepted, String message) implements ControlMessage {}
