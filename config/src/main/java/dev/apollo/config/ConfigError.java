package dev.apollo.config;

/**
 * A configuration that cannot be used. The message is one line meant for the user, usually
 * {@code config error: apollo.<key> = <value as written>: <what is allowed>}.
 */
public final class ConfigError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigError(String detail) {
        super(oneLine(detail));
    }

    ConfigError(String detail, Throwable cause) {
        super(oneLine(detail), cause);
    }

    /** Typesafe messages can span lines; users see this one printed alone, so keep it on one. */
    private static String oneLine(String detail) {
        return "config error: " + detail.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
