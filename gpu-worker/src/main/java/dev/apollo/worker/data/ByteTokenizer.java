package dev.apollo.worker.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Byte-level tokenizer: a token is a UTF-8 byte value 0..255. BERT adds four special ids above the byte range,
 * so GPT needs a vocabulary of {@link #BYTE_VOCAB_SIZE} and BERT one of {@link #VOCAB_SIZE}.
 */
public final class ByteTokenizer {
    public static final int BYTE_VOCAB_SIZE = 256;
    public static final int PAD = 256;
    public static final int CLS = 257;
    public static final int SEP = 258;
    public static final int MASK = 259;
    public static final int VOCAB_SIZE = 260;

    private ByteTokenizer() {}

    public static int[] encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    public static int[] encode(byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = Byte.toUnsignedInt(bytes[i]);
        }
        return ids;
    }

    /** Bytes of the byte ids; special ids are skipped because they stand for no text. */
    public static byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (VOCAB_SIZE - 1));
            }
            if (id < BYTE_VOCAB_SIZE) {
                bytes.write(id);
            }
        }
        return bytes.toByteArray();
    }

    /** Text of the byte ids; invalid UTF-8 (e.g. a sequence cut mid-character) becomes U+FFFD. */
    public static String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }
}
