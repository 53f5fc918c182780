package dev.apollo.config;

import java.util.Optional;

/**
 * Corpus location ({@code path} empty: the Brown corpus from the user cache), its format, the held-out fraction
 * taken from the end of the corpus, and BERT's masking probability.
 */
public record DataConfig(Optional<String> path, DataFormat format, double validationFraction, double maskProbability) {}
