package dev.apollo.worker.checkpoint;

/** A checkpoint that cannot be used: missing, truncated, altered, or made for another model. One-line message. */
public final class CheckpointError extends RuntimeException {

    public CheckpointError(String message) {
        super(message);
    }
}
