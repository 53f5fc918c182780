package dev.apollo.tokenizer;

import java.text.Normalizer;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What Hugging Face's {@code BertNormalizer} and {@code BertPreTokenizer} do to text before WordPiece,
 * so that training sees the words the loaded tokenizer will see.
 */
final class BertText {
    private BertText() {}

    /** clean_text, handle_chinese_chars, then (when lowercasing) strip accents and lowercase. */
    static String normalize(String text, boolean lowercase) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints()
                .forEach(
                        cp -> {
                            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                                return;
                            }
                            if (isWhitespace(cp)) {
                                out.append(' ');
                            } else if (isChinese(cp)) {
                                out.append(' ').appendCodePoint(cp).append(' ');
                            } else {
                                out.appendCodePoint(cp);
                            }
                        });
        if (!lowercase) {
            return out.toString();
        }
        String stripped =
                Normalizer.normalize(out, Normalizer.Form.NFD)
                        .codePoints()
                        .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                        .toString();
        return stripped.toLowerCase(Locale.ROOT);
    }

    /** Splits on whitespace and makes every punctuation character a word of its own. */
    static void preTokenize(String text, Consumer<String> sink) {
        StringBuilder word = new StringBuilder();
        text.codePoints()
                .forEach(
                        cp -> {
                            if (isWhitespace(cp) || isPunctuation(cp)) {
                                flush(word, sink);
                                if (isPunctuation(cp)) {
                                    sink.accept(new String(Character.toChars(cp)));
                                }
                            } else {
                                word.appendCodePoint(cp);
                            }
                        });
        flush(word, sink);
    }

    private static void flush(StringBuilder word, Consumer<String> sink) {
        if (word.length() > 0) {
            sink.accept(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isWhitespace(int cp) {
        return cp == '\t' || cp == '\n' || cp == '\r' || Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE
                || type == Character.SURROGATE;
    }

    /** As Rust's is_ascii_punctuation or a Unicode P* category, like the Rust code. */
    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.CONNECTOR_PUNCTUATION
                || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION
                || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION
                || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
