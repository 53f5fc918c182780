package dev.apollo.tokenizer;

import static dev.apollo.tokenizer.WordPieceVocabulary.CONTINUATION;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Trains a BERT-style WordPiece. Text is normalized and split as BERT's normalizer and pre-tokenizer
 * do; a word starts as its first character then {@code ##}-prefixed continuation characters. The
 * vocabulary is the special tokens, every character seen in both forms, then the most frequent pair
 * merged repeatedly, as Hugging Face's own WordPiece trainer does (it runs its BPE trainer with a
 * {@code ##} prefix). The likelihood score count(ab) / (count(a) * count(b)) of Google's WordPiece was
 * tried and dropped: on Brown at 4096 it spent the vocabulary on rare whole words ("yurochka") and
 * doubled the tokens of a text (156,682 against 79,156 for its first 200,000 characters). Feed text
 * with {@link #add}, then {@link #train}.
 */
public final class WordPieceTrainer {
    private final boolean lowercase;
    private final SortedMap<String, Long> words = new TreeMap<>();

    /** @param lowercase lowercase and strip accents, as BERT uncased */
    public WordPieceTrainer(boolean lowercase) {
        this.lowercase = lowercase;
    }

    /** Counts the words of one text. */
    public WordPieceTrainer add(String text) {
        BertText.preTokenize(BertText.normalize(text, lowercase), word -> words.merge(word, 1L, Long::sum));
        return this;
    }

    /** Merges until {@code vocabSize} tokens (fewer if the corpus runs out of pairs). */
    public WordPieceVocabulary train(int vocabSize) {
        SortedSet<String> alphabet = new TreeSet<>();
        for (String word : words.keySet()) {
            word.codePoints()
                    .forEach(
                            cp -> {
                                String c = new String(Character.toChars(cp));
                                alphabet.add(c);
                                alphabet.add(CONTINUATION + c);
                            });
        }
        List<String> initial = new ArrayList<>(WordPieceVocabulary.SPECIAL_TOKENS);
        initial.addAll(alphabet);
        if (vocabSize < initial.size()) {
            throw new IllegalArgumentException(
                    "a vocabulary of " + vocabSize + " cannot hold the " + WordPieceVocabulary.SPECIAL_TOKENS.size()
                            + " special tokens and the corpus's " + alphabet.size()
                            + " character forms; ask for at least " + initial.size());
        }
        PairMerger merger =
                new PairMerger(initial, words, WordPieceTrainer::pieces, WordPieceTrainer::join);
        merger.mergeUntil(vocabSize);
        return new WordPieceVocabulary(merger.symbols(), lowercase);
    }

    private static List<String> pieces(String word) {
        List<String> out = new ArrayList<>();
        word.codePoints()
                .forEach(cp -> out.add((out.isEmpty() ? "" : CONTINUATION) + new String(Character.toChars(cp))));
        return out;
    }

    /** "ab" + "##c" = "abc", "##ab" + "##c" = "##abc": the right part is always a continuation. */
    private static String join(String left, String right) {
        return left + right.substring(CONTINUATION.length());
    }
}
