package dev.apollo.worker.data;

/** Unusable training data (missing, empty, binary or malformed corpus); the message is one line naming the input. */
public final class DataError extends RuntimeException {
    public DataError(String message) {
        super(message);
    }

    public DataError(String message, Throwable cause) {
        super(message, cause);
    }
}
