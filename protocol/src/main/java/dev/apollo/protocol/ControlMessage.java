package dev.apollo.protocol;

/** What the coordinator answers an operator's command that joined the cluster for a moment. */
public sealed interface ControlMessage permits LeaveAnswered {}
