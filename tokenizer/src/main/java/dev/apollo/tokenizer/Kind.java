package dev.apollo.tokenizer;

import java.util.Locale;

/** The vocabularies we train: GPT-2's byte-level BPE or BERT's WordPiece. */
public enum Kind {
    BPE,
    WORDPIECE;

    /** Parses {@code bpe} or {@code wordpiece}, case-insensitively, as the command line spells them. */
    public static Kind parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bpe" -> BPE;
            case "wordpiece" -> WORDPIECE;
            default -> throw new IllegalArgumentException(
                    "unknown tokenizer kind '" + name + "' (expected bpe or wordpiece)");
        };
    }
}
