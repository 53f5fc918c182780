package dev.apollo.tokenizer;

/** A tokenizer file we refuse, or one the Hugging Face library refused; the message names the file. */
public final class TokenizerError extends IllegalArgumentException {
  public TokenizerError(String message) {
    super(message);
  }

  public TokenizerError(String message, Throwable cause) {
    super(message, cause);
  }
}
