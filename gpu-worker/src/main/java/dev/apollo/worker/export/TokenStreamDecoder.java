package dev.apollo.worker.export;

import dev.apollo.worker.data.TextCodec;
import java.util.Arrays;

/**
 * Turns ids arriving one at a time into text under a tokenizer as soon as it is settled: the ids so far are decoded
 * together (a tokenizer's decoder joins pieces, e.g. WordPiece's {@code ##} continuations), and what extends the text
 * already shown is released, unless it ends inside a character (byte-level BPE splits characters over tokens).
 */
public final class TokenStreamDecoder {

    private final TextCodec codec;
    private int[] ids = new int[64];
    private int count;
    private String shown = "";

    public TokenStreamDecoder(TextCodec codec) {
        this.codec = codec;
    }

    /** The text {@code id} settles: empty while the text ends inside a character or rewrites what was shown. */
    public String accept(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String text = codec.decode(Arrays.copyOf(ids, count));
        if (text.endsWith("\uFFFD") || !text.startsWith(shown)) {
            return "";
        }
        String fresh = text.substring(shown.length());
        shown = text;
        return fresh;
    }

    /** The text not yet released at the end of the stream. */
    public String finish() {
        String text = codec.decode(Arrays.copyOf(ids, count));
        String rest = text.startsWith(shown) ? text.substring(shown.length()) : "";
        shown = text;
        return rest;
    }
}
