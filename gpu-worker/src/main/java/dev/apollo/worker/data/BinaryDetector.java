package dev.apollo.worker.data;

/**
 * Heuristic for "this file is not text": any NUL byte, or more than 10% of the first 64 KiB being invalid UTF-8 or
 * control characters other than tab, newline, carriage return and form feed.
 */
final class BinaryDetector {
    static final int SAMPLE_BYTES = 64 * 1024;
    private static final double MAX_SUSPICIOUS_SHARE = 0.10;

    private BinaryDetector() {}

    static boolean looksBinary(byte[] content) {
        for (byte b : content) {
            if (b == 0) {
                return true;
            }
        }
        int sample = Math.min(content.length, SAMPLE_BYTES);
        return suspiciousBytes(content, sample) > MAX_SUSPICIOUS_SHARE * sample;
    }

    private static int suspiciousBytes(byte[] content, int sample) {
        int suspicious = 0;
        int i = 0;
        while (i < sample) {
            int b = Byte.toUnsignedInt(content[i]);
            if (b < 0x80) {
                if (isDisallowedControl(b)) {
                    suspicious++;
                }
                i++;
                continue;
            }
            int length = utf8SequenceLength(b);
            if (length == 0) {
                suspicious++;
                i++;
            } else if (i + length > sample) {
                // A character cut by the sample boundary is not evidence of binary content.
                break;
            } else if (continuationBytesValid(content, i, length)) {
                i += length;
            } else {
                suspicious++;
                i++;
            }
        }
        return suspicious;
    }

    private static boolean isDisallowedControl(int b) {
        return (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7F;
    }

    /** Length of the UTF-8 sequence a lead byte starts, or 0 if it cannot start one (continuation, overlong, > U+10FFFF). */
    private static int utf8SequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 0;
    }

    private static boolean continuationBytesValid(byte[] content, int start, int length) {
        for (int k = 1; k < length; k++) {
            if ((content[start + k] & 0xC0) != 0x80) {
                return false;
            }
        }
        return true;
    }
}
