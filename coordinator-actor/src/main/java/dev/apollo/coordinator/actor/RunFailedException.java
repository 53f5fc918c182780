package dev.apollo.coordinator.actor;

/** A run that stopped before its end, in one process or on a cluster; the message is the one-line reason. */
public final class RunFailedException extends RuntimeException {
    public RunFailedException(String message) {
        super(message);
    }
}
