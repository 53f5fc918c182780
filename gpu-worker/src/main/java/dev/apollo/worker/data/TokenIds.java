package dev.apollo.worker.data;

/**
 * A read-only sequence of token ids: the corpus's bytes (the byte vocabulary) or the ids of a tokenized corpus,
 * memory-mapped from the {@link TokenCache}.
 */
public interface TokenIds {
    /** Number of tokens. */
    int length();

    /** The id at {@code index}, 0 <= index < length(). */
    int get(int index);

    /** The bytes of a corpus as ids 0..255; the array is kept, not copied. */
    static TokenIds ofBytes(byte[] bytes) {
        return new TokenIds() {
            @Override
            public int length() {
                return bytes.length;
            }

            @Override
            public int get(int index) {
                return Byte.toUnsignedInt(bytes[index]);
            }
        };
    }
}
