package dev.apollo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PairMergerTest {
    private static PairMerger merger(Map<String, Long> words) {
        return new PairMerger(
                List.of("a", "b", "c", "x", "y"),
                new TreeMap<>(words),
                w -> Arrays.asList(w.split("")),
                String::concat);
    }

    @Test
    void mergesTheMostFrequentPairFirstAndKeepsCountsUpToDate() {
        PairMerger merger = merger(Map.of("ab", 5L, "abc", 3L, "bc", 1L));
        // (a,b) 8 times; then (ab,c) 3 beats (b,c), which is left once
        assertEquals(List.of(new Merge("a", "b"), new Merge("ab", "c"), new Merge("b", "c")), merger.mergeUntil(100));
        assertEquals(List.of("a", "b", "c", "x", "y", "ab", "abc", "bc"), merger.symbols());
    }

    @Test
    void breaksTiesByTheLexicographicOrderOfThePair() {
        assertEquals(List.of(new Merge("a", "b")), merger(Map.of("xy", 2L, "ab", 2L)).mergeUntil(6));
    }

    @Test
    void mergesARepeatedSymbolLeftToRight() {
        PairMerger merger = merger(Map.of("aaa", 1L));
        assertEquals(List.of(new Merge("a", "a"), new Merge("aa", "a")), merger.mergeUntil(100));
    }
}
