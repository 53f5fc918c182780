package dev.apollo.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Trains a byte-level BPE as GPT-2's: GPT-2's pre-tokenization, the 256 byte symbols as the initial
 * vocabulary, then the most frequent adjacent pair merged until the vocabulary, end-of-text token
 * included, has the size asked for. Feed text with {@link #add}, then {@link #train}.
 */
public final class BpeTrainer {
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final SortedMap<String, Long> words = new TreeMap<>();

    /** Counts the pre-tokens of one text. */
    public BpeTrainer add(String text) {
        ByteLevel.preTokenize(text, word -> words.merge(word, 1L, Long::sum));
        return this;
    }

    /** Merges until {@code vocabSize} tokens (fewer if the corpus runs out of pairs). */
    public BpeVocabulary train(int vocabSize) {
        if (vocabSize < 257) {
            throw new IllegalArgumentException("a byte-level BPE needs a vocabulary of at least 257 (256 bytes and "
                    + END_OF_TEXT + "), not " + vocabSize);
        }
        List<String> bytes = new ArrayList<>(256);
        for (char c : ByteLevel.BYTE_CHARS) {
            bytes.add(String.valueOf(c));
        }
        PairMerger merger = new PairMerger(bytes, words, BpeTrainer::characters, String::concat);
        List<Merge> merges = merger.mergeUntil(vocabSize - 1);
        List<String> tokens = new ArrayList<>(merger.symbols());
        tokens.add(END_OF_TEXT);
        return new BpeVocabulary(tokens, merges, END_OF_TEXT);
    }

    /** Byte-level words are all in the Basic Multilingual Plane: one char per byte. */
    private static List<String> characters(String word) {
        List<String> out = new ArrayList<>(word.length());
        for (int i = 0; i < word.length(); i++) {
            out.add(String.valueOf(word.charAt(i)));
        }
        return out;
    }
}
