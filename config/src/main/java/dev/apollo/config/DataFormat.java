package dev.apollo.config;

/** Corpus format: AUTO decides by file extension (.jsonl: JSONL with a {@code text} field; otherwise text). */
public enum DataFormat {
    AUTO,
    TEXT,
    JSONL
}
