package dev.apollo.tokenizer;

/** A tokenizer file we refuse, or one the Hugging Face library refused; the message names the file. */
public final class TokenizerError extends IllegalArgumentException {
    public TokenizerError(String message) {
        super(message);
    }

    public TokenizerError(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first line of a cause's message: Gson and the native library add hints on further lines. */
    static String firstLine(Throwable cause) {
        return String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
    }
}
