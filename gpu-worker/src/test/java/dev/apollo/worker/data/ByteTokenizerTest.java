package dev.apollo.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {
    @Test
    void encodesUtf8BytesAndDecodesBack() {
        String text = "Grüße, 世界! 🚀\ttab\nline";
        int[] ids = ByteTokenizer.encode(text);

        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, ids.length);
        assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < ByteTokenizer.BYTE_VOCAB_SIZE));
        assertEquals(text, ByteTokenizer.decode(ids));
    }

    @Test
    void everyByteValueRoundTrips() {
        byte[] allBytes = new byte[256];
        for (int i = 0; i < 256; i++) {
            allBytes[i] = (byte) i;
        }
        int[] ids = ByteTokenizer.encode(allBytes);

        assertEquals(255, ids[255]);
        assertArrayEquals(allBytes, ByteTokenizer.decodeBytes(ids));
    }

    @Test
    void specialIdsSitAboveTheByteRangeAndDecodeToNothing() {
        assertEquals(256, ByteTokenizer.PAD);
        assertEquals(257, ByteTokenizer.CLS);
        assertEquals(258, ByteTokenizer.SEP);
        assertEquals(259, ByteTokenizer.MASK);
        assertEquals(260, ByteTokenizer.VOCAB_SIZE);
        int[] ids = {ByteTokenizer.CLS, 'h', ByteTokenizer.MASK, 'i', ByteTokenizer.SEP, ByteTokenizer.PAD};
        assertEquals("hi", ByteTokenizer.decode(ids));
    }

    @Test
    void rejectsIdsOutsideTheVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> ByteTokenizer.decode(new int[] {ByteTokenizer.VOCAB_SIZE}));
        assertThrows(IllegalArgumentException.class, () -> ByteTokenizer.decode(new int[] {-1}));
    }
}
