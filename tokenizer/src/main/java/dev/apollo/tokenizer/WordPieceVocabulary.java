package dev.apollo.tokenizer;

import java.util.List;

/** A trained WordPiece: tokens in id order, the special tokens first; {@code lowercase} as BERT uncased. */
public record WordPieceVocabulary(List<String> tokens, boolean lowercase) {
    public static final String PAD = "[PAD]";
    public static final String UNK = "[UNK]";
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String MASK = "[MASK]";
    public static final List<String> SPECIAL_TOKENS = List.of(PAD, UNK, CLS, SEP, MASK);
    public static final String CONTINUATION = "##";

    public WordPieceVocabulary {
        tokens = List.copyOf(tokens);
    }
}
