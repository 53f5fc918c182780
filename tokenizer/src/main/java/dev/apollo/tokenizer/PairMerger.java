package dev.apollo.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SortedMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * The merge loop both trainers share: words are counted once, pair counts are kept up to date
 * incrementally (each pair knows the words it occurs in) and a lazily invalidated priority queue
 * yields the most frequent pair, so a merge costs the words it touches rather than the whole
 * corpus. Ties go to the lexicographically smaller (left, right), so a corpus always gives the same
 * merges.
 */
final class PairMerger {
    /** A pair as it was when pushed; stale once the pair's count has changed. */
    private record Candidate(long count, int left, int right) {}

    private final BinaryOperator<String> join;
    private final List<String> symbols = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final int[][] words;
    private final long[] wordCounts;
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, IntList> wordsOfPair = new HashMap<>();
    private final PriorityQueue<Candidate> queue;
    private final List<Merge> merges = new ArrayList<>();

    /**
     * @param initial the symbols the vocabulary starts with, in id order (every word symbol must be one)
     * @param words each distinct word with its count, in a fixed order for determinism
     * @param spell a word's initial symbols
     * @param join the symbol a merge of two symbols makes
     */
    PairMerger(
            List<String> initial,
            SortedMap<String, Long> words,
            Function<String, List<String>> spell,
            BinaryOperator<String> join) {
        this.join = join;
        Comparator<Candidate> best =
                Comparator.comparingLong(Candidate::count)
                        .reversed()
                        .thenComparing(c -> symbols.get(c.left()))
                        .thenComparing(c -> symbols.get(c.right()));
        this.queue = new PriorityQueue<>(best);
        initial.forEach(this::symbol);
        this.words = new int[words.size()][];
        this.wordCounts = new long[words.size()];
        int w = 0;
        for (Map.Entry<String, Long> entry : words.entrySet()) {
            this.words[w] = spell.apply(entry.getKey()).stream().mapToInt(this::existingSymbol).toArray();
            this.wordCounts[w] = entry.getValue();
            w++;
        }
        for (w = 0; w < this.words.length; w++) {
            int[] word = this.words[w];
            for (int i = 0; i + 1 < word.length; i++) {
                long key = key(word[i], word[i + 1]);
                pairCounts.merge(key, wordCounts[w], Long::sum);
                wordsOfPair.computeIfAbsent(key, k -> new IntList()).addUnlessLast(w);
            }
        }
        pairCounts.keySet().forEach(this::push);
    }

    /** Merges until there are {@code vocabSize} symbols or no pair is left; returns the merges in order. */
    List<Merge> mergeUntil(int vocabSize) {
        while (symbols.size() < vocabSize) {
            Candidate c = queue.poll();
            if (c == null) {
                break;
            }
            if (isCurrent(c)) {
                merge(c.left(), c.right());
            }
        }
        return List.copyOf(merges);
    }

    /** The symbols in id order: the initial ones, then each new merge result. */
    List<String> symbols() {
        return List.copyOf(symbols);
    }

    private void merge(int left, int right) {
        String joined = join.apply(symbols.get(left), symbols.get(right));
        Integer known = ids.get(joined);
        int merged = known != null ? known : symbol(joined);
        merges.add(new Merge(symbols.get(left), symbols.get(right)));
        long pair = key(left, right);
        Map<Long, Long> delta = new HashMap<>();
        for (int w : wordsOfPair.remove(pair).distinctSorted()) {
            int[] before = words[w];
            int[] after = replace(before, left, right, merged);
            if (after == before) {
                continue; // the index keeps words a pair has left; they need nothing
            }
            long count = wordCounts[w];
            for (int i = 0; i + 1 < before.length; i++) {
                delta.merge(key(before[i], before[i + 1]), -count, Long::sum);
            }
            for (int i = 0; i + 1 < after.length; i++) {
                long k = key(after[i], after[i + 1]);
                delta.merge(k, count, Long::sum);
                if (after[i] == merged || after[i + 1] == merged) {
                    wordsOfPair.computeIfAbsent(k, x -> new IntList()).addUnlessLast(w);
                }
            }
            words[w] = after;
        }
        delta.forEach(
                (k, d) -> {
                    if (d == 0) {
                        return;
                    }
                    if (pairCounts.merge(k, d, Long::sum) == 0) {
                        pairCounts.remove(k);
                    } else {
                        push(k);
                    }
                });
    }

    /** The word with every (left, right), left to right, made {@code merged}; the same array if none. */
    private static int[] replace(int[] word, int left, int right, int merged) {
        int[] out = null;
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                if (out == null) {
                    out = Arrays.copyOf(word, word.length);
                    n = i;
                }
                out[n++] = merged;
                i++;
            } else if (out != null) {
                out[n++] = word[i];
            }
        }
        return out == null ? word : Arrays.copyOf(out, n);
    }

    private boolean isCurrent(Candidate c) {
        Long count = pairCounts.get(key(c.left(), c.right()));
        return count != null && count == c.count();
    }

    private void push(long pair) {
        queue.add(new Candidate(pairCounts.get(pair), (int) (pair >>> 32), (int) pair));
    }

    private int symbol(String s) {
        int id = symbols.size();
        if (ids.putIfAbsent(s, id) != null) {
            throw new IllegalArgumentException("duplicate initial symbol '" + s + "'");
        }
        symbols.add(s);
        return id;
    }

    private int existingSymbol(String s) {
        Integer id = ids.get(s);
        if (id == null) {
            throw new IllegalStateException("symbol '" + s + "' is not in the initial alphabet");
        }
        return id;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** A growable list of word indices; a repeat of the last is skipped at once, others when read. */
    private static final class IntList {
        private int[] values = new int[4];
        private int size;

        void addUnlessLast(int value) {
            if (size > 0 && values[size - 1] == value) {
                return;
            }
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int[] distinctSorted() {
            return Arrays.stream(values, 0, size).sorted().distinct().toArray();
        }
    }
}
