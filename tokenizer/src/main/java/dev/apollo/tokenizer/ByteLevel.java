package dev.apollo.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level pre-tokenization, as Hugging Face's {@code ByteLevel} pre-tokenizer does it: split
 * the text with GPT-2's regex, then spell each piece's UTF-8 bytes in GPT-2's printable byte alphabet.
 */
final class ByteLevel {
    /** GPT-2's split; UNICODE_CHARACTER_CLASS makes {@code \s} Unicode whitespace, as in the Rust regex. */
    private static final Pattern SPLIT =
            Pattern.compile(
                    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                    Pattern.UNICODE_CHARACTER_CLASS);

    /** BYTE_CHARS[b] is the character standing for byte b. */
    static final char[] BYTE_CHARS = byteChars();

    private ByteLevel() {}

    /** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others map past 255 in order. */
    private static char[] byteChars() {
        char[] chars = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = (char) (printable ? b : next++);
        }
        return chars;
    }

    /** Passes each pre-token of {@code text}, spelled in the byte alphabet, to {@code sink}. */
    static void preTokenize(String text, java.util.function.Consumer<String> sink) {
        Matcher m = SPLIT.matcher(text);
        while (m.find()) {
            sink.accept(spell(m.group()));
        }
    }

    static String spell(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_CHARS[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
