package dev.apollo.tensor;

/** A peer of an exchange sent nothing within the allowed time; the message names the peer and the exchange. */
public final class PeerTimeoutException extends RuntimeException {

    public PeerTimeoutException(String message) {
        super(message);
    }
}
