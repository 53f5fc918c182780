package dev.apollo.config;

import java.util.Optional;

/**
 * Corpus location ({@code path} empty: the Brown corpus from the user cache), its format, the tokenizer
 * ({@link #BYTES} or a Hugging Face {@code tokenizer.json}), where token ids are cached ({@code tokenCache} empty:
 * the user cache), the held-out fraction taken from the end of the corpus, and BERT's masking probability.
 */
public record DataConfig(Optional<String> path, DataFormat format, String tokenizer, Optional<String> tokenCache,
        double validationFraction, double maskProbability) {

    /** The byte vocabulary: a token is a UTF-8 byte. */
    public static final String BYTES = "bytes";

    public boolean bytes() {
        return BYTES.equals(tokenizer);
    }
}
