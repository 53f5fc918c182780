package dev.apollo.tensor;

/** The caller gave an exchange up ({@link TensorPlane#abandon}) while it waited: its result is no longer wanted. */
public final class ExchangeAbandonedException extends RuntimeException {

    public ExchangeAbandonedException(String message) {
        super(message);
    }
}
