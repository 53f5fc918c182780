package dev.apollo.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.DataFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusReaderTest {
    // seq-len 1 with half held out needs only 4 bytes, so tiny fixtures pass the size check.
    private static final int SEQ_LEN = 1;
    private static final double HALF = 0.5;

    @TempDir
    Path dir;

    @Test
    void readsATextFileAsOneDocument() throws IOException {
        Path file = write("book.txt", "line one\nline two\n");

        assertEquals("line one\nline two\n", read(file, DataFormat.AUTO));
    }

    @Test
    void readsADirectoryInRelativePathOrderSkippingHiddenEntries() throws IOException {
        write("b.txt", "B");
        write("a/z.txt", "AZ");
        write(".hidden", "hidden file");
        write(".git/config", "hidden directory");
        write("a/.secret", "hidden nested file");
        write("a/b.txt", "AB");
        write("a/empty.txt", "");

        assertEquals("AB\n\nAZ\n\nB", read(dir, DataFormat.AUTO));
    }

    @Test
    void autoFormatReadsJsonlFilesByExtension() throws IOException {
        write("docs/a.jsonl", "{\"text\": \"first\"}\n{\"text\": \"second\"}\n");
        write("docs/b.txt", "{\"text\": \"kept as text\"}");

        assertEquals("first\n\nsecond\n\n{\"text\": \"kept as text\"}", read(dir.resolve("docs"), DataFormat.AUTO));
    }

    @Test
    void jsonlTakesTheTextFieldOfEachLineAndSkipsBlankLines() throws IOException {
        Path file = write("corpus.data", "{\"id\": 1, \"text\": \"héllo\\nworld\"}\r\n\n   \n{\"text\": \"two\", \"meta\": {}}");

        assertEquals("héllo\nworld\n\ntwo",
                new String(CorpusReader.read(file, "jsonl", SEQ_LEN, HALF), StandardCharsets.UTF_8));
        assertEquals("{\"id\": 1, \"text\": \"héllo\\nworld\"}\r\n\n   \n{\"text\": \"two\", \"meta\": {}}",
                new String(CorpusReader.read(file, "TEXT", SEQ_LEN, HALF), StandardCharsets.UTF_8));
    }

    @Test
    void jsonlErrorsNameTheLineAndFile() throws IOException {
        Path notJson = write("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"unterminated\n");
        Path lenientOnly = write("lenient.jsonl", "{text: 'unquoted'}\n");
        Path noText = write("notext.jsonl", "{\"text\": \"ok\"}\n\n{\"body\": \"x\"}\n");
        Path numberText = write("number.jsonl", "{\"text\": 42}\n");
        Path array = write("array.jsonl", "[\"text\"]\n");

        assertMessage(notJson, "jsonl line 2 is not valid JSON: " + notJson);
        assertMessage(lenientOnly, "jsonl line 1 is not valid JSON: " + lenientOnly);
        assertMessage(noText, "jsonl line 3 has no string field \"text\": " + noText);
        assertMessage(numberText, "jsonl line 1 has no string field \"text\": " + numberText);
        assertMessage(array, "jsonl line 1 is not a JSON object: " + array);
    }

    @Test
    void rejectsFilesWithNulBytes() throws IOException {
        Path file = dir.resolve("data.bin");
        Files.write(file, "mostly text but one \0 NUL byte".getBytes(StandardCharsets.UTF_8));

        assertMessage(file, "binary file in corpus (NUL bytes or mostly non-text bytes): " + file);
    }

    @Test
    void rejectsFilesThatAreMostlyInvalidUtf8OrControlCharacters() throws IOException {
        byte[] content = "plain text start ".repeat(100).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < content.length; i += 5) {
            content[i] = (byte) (i % 2 == 0 ? 0xFF : 0x07); // 20% invalid bytes or BEL
        }
        Path file = dir.resolve("image.png");
        Files.write(file, content);

        assertMessage(file, "binary file in corpus (NUL bytes or mostly non-text bytes): " + file);
    }

    @Test
    void acceptsNonAsciiTextAndAFewOddBytes() throws IOException {
        byte[] text = "naïve café – Привет – 日本語\t\f\r\n".repeat(50).getBytes(StandardCharsets.UTF_8);
        text[10] = (byte) 0xFF; // one stray byte is far below the 10% threshold
        Path file = dir.resolve("multilingual.txt");
        Files.write(file, text);

        assertEquals(text.length, CorpusReader.read(file, DataFormat.TEXT, SEQ_LEN, HALF).length);
    }

    @Test
    void rejectsMissingAndEmptyCorpora() throws IOException {
        Path missing = dir.resolve("nope.txt");
        Path emptyFile = write("empty.txt", "");
        Path emptyDir = Files.createDirectories(dir.resolve("nothing"));
        write("nothing/.only-hidden", "x");
        Path blankJsonl = write("blank.jsonl", "\n\n{\"text\": \"\"}\n");

        assertMessage(missing, "corpus path does not exist: " + missing);
        assertMessage(emptyFile, "corpus is empty: " + emptyFile);
        assertMessage(emptyDir, "corpus is empty: " + emptyDir);
        assertMessage(blankJsonl, "corpus is empty: " + blankJsonl);
    }

    @Test
    void rejectsCorporaTooSmallForOneTrainingAndOneValidationSequence() throws IOException {
        Path file = write("short.txt", "x".repeat(84));

        DataError error = assertThrows(DataError.class, () -> CorpusReader.read(file, DataFormat.AUTO, 8, 0.1));
        assertEquals("corpus too small: " + file + " has 84 bytes, need at least 85 for one training and one "
                + "validation sequence of seq-len 8", error.getMessage());
        Files.writeString(file, "x".repeat(85));
        assertEquals(85, CorpusReader.read(file, DataFormat.AUTO, 8, 0.1).length);
    }

    @Test
    void rejectsUnknownFormatNames() throws IOException {
        Path file = write("book.txt", "some text here");

        DataError error = assertThrows(DataError.class, () -> CorpusReader.read(file, "csv", SEQ_LEN, HALF));
        assertEquals("unknown corpus format 'csv' (expected auto, text or jsonl)", error.getMessage());
    }

    @Test
    void errorMessagesAreOneLine() throws IOException {
        Path file = write("bad.jsonl", "not json at all\n");

        DataError error = assertThrows(DataError.class, () -> read(file, DataFormat.AUTO));
        assertFalse(error.getMessage().contains("\n"));
        assertTrue(error.getMessage().contains(file.toString()));
    }

    private Path write(String relative, String content) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static String read(Path path, DataFormat format) {
        return new String(CorpusReader.read(path, format, SEQ_LEN, HALF), StandardCharsets.UTF_8);
    }

    private static void assertMessage(Path path, String expected) {
        DataError error = assertThrows(DataError.class, () -> read(path, DataFormat.AUTO));
        assertEquals(expected, error.getMessage());
    }
}
