package dev.apollo.run;

/** A command used in a way that would lose or overwrite something, or that cannot work; exit code 2. */
public final class UsageError extends RuntimeException {

    public UsageError(String message) {
        super(message);
    }
}
