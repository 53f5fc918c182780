package dev.apollo.tokenizer;

import java.util.OptionalInt;

/** The ids of the special tokens a tokenizer has; absent ones are empty. */
public record SpecialTokens(
        OptionalInt cls, OptionalInt sep, OptionalInt mask, OptionalInt pad, OptionalInt unk, OptionalInt eos) {}
