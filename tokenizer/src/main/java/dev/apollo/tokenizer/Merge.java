package dev.apollo.tokenizer;

/** One BPE merge, as the strings of its two parts. */
public record Merge(String left, String right) {}
