package dev.apollo.tokenizer;

import java.util.List;

/**
 * A trained byte-level BPE: tokens in id order (the 256 byte symbols, the merge results, then the
 * end-of-text token) and the merges in the order they apply.
 */
public record BpeVocabulary(List<String> tokens, List<Merge> merges, String endOfText) {
    public BpeVocabulary {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
    }
}
