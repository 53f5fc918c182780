package dev.apollo.worker.data;

/** Text to token ids and back, under a run's {@link Vocabulary}. */
public interface TextCodec extends AutoCloseable {

    /** The byte vocabulary: a token is a UTF-8 byte; special ids decode to nothing. */
    TextCodec BYTES = new TextCodec() {
        @Override
        public int[] encode(String text) {
            return ByteTokenizer.encode(text);
        }

        @Override
        public String decode(int[] ids) {
            return ByteTokenizer.decode(ids);
        }
    };

    /** Ids of {@code text}, without special tokens. */
    int[] encode(String text);

    /** Text of {@code ids}; a sequence cut inside a character ends in U+FFFD. */
    String decode(int[] ids);

    @Override
    default void close() {}
}
