package dev.apollo.worker.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Characters appear when their last byte arrives; bytes that are no character become U+FFFD. */
class Utf8StreamDecoderTest {

    @Test
    void multiByteCharactersAppearWhenComplete() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        byte[] bytes = "aé€😀".getBytes(StandardCharsets.UTF_8); // 1, 2, 3 and 4 bytes
        StringBuilder pieces = new StringBuilder();
        String[] expected = {"a", "", "é", "", "", "€", "", "", "", "😀"};
        for (int i = 0; i < bytes.length; i++) {
            String piece = decoder.accept(bytes[i]);
            assertEquals(expected[i], piece, "after byte " + i);
            pieces.append(piece);
        }
        assertEquals("", decoder.finish());
        assertEquals("aé€😀", pieces.toString());
    }

    @Test
    void invalidAndTruncatedBytesBecomeReplacementCharacters() {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        assertEquals("\uFFFD", decoder.accept((byte) 0xFF));
        assertEquals("x", decoder.accept((byte) 'x'));
        assertEquals("", decoder.accept((byte) 0xE2)); // the first of three bytes of €
        assertEquals("\uFFFD", decoder.finish());
    }
}
