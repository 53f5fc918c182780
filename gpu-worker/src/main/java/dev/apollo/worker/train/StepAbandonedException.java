package dev.apollo.worker.train;

/**
 * A step's gradient exchange could not finish: a peer is gone, or the coordinator already runs the step again
 * without it. The replica applies nothing; the worker answers nothing and waits for what the coordinator decides.
 */
public final class StepAbandonedException extends RuntimeException {

    public StepAbandonedException(String message, Throwable cause) {
        super(message, cause);
    }
}
