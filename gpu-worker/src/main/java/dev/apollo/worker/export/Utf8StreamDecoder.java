package dev.apollo.worker.export;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns bytes arriving one at a time into text as soon as each character is complete: a character whose UTF-8
 * bytes span several tokens appears when its last byte arrives; bytes that form no character become U+FFFD.
 */
public final class Utf8StreamDecoder {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer pending = ByteBuffer.allocate(8); // a UTF-8 character has at most 4 bytes
    private final CharBuffer out = CharBuffer.allocate(16);

    /** The text completed by {@code b}: empty while a character is still incomplete. */
    public String accept(byte b) {
        pending.put(b);
        return decode(false);
    }

    /** The text of the bytes still waiting at the end of the stream (U+FFFD for an incomplete character). */
    public String finish() {
        String rest = decode(true);
        out.clear();
        decoder.flush(out);
        return rest + out.flip();
    }

    private String decode(boolean endOfInput) {
        pending.flip();
        out.clear();
        decoder.decode(pending, out, endOfInput);
        pending.compact(); // keeps the bytes of an incomplete character for the next call
        return out.flip().toString();
    }
}
