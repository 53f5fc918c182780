package dev.apollo.worker.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import dev.apollo.config.DataFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Reads a corpus into one byte stream of documents separated by a blank line ("\n\n"). The corpus is a text file
 * (one document), a JSONL file (one document per line, the string field {@code text}) or a directory, whose regular
 * non-hidden files are read recursively in relative-path order so the stream is the same on every machine.
 */
public final class CorpusReader {
    private static final byte[] DOCUMENT_SEPARATOR = {'\n', '\n'};
    // Strict, because lenient Gson would accept unquoted keys and single quotes and hide broken lines.
    private static final Gson STRICT_JSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private CorpusReader() {}

    /** As {@link #read(Path, DataFormat, int, double)} with the format given as "auto", "text" or "jsonl". */
    public static byte[] read(Path path, String format, int seqLen, double validationFraction) {
        return read(path, parseFormat(format), seqLen, validationFraction);
    }

    /**
     * The corpus bytes, at least {@link TokenDataset#minimumBytes} long for this seq-len and validation fraction.
     * AUTO reads files named {@code *.jsonl} as JSONL and everything else as text.
     *
     * @throws DataError if the path is missing or unreadable, or the corpus is empty, too small, binary or bad JSONL
     */
    public static byte[] read(Path path, DataFormat format, int seqLen, double validationFraction) {
        long minimum = TokenDataset.minimumBytes(seqLen, validationFraction);
        byte[] corpus = readDocuments(path, format);
        if (corpus.length == 0) {
            throw new DataError("corpus is empty: " + path);
        }
        if (corpus.length < minimum) {
            throw new DataError("corpus too small: " + path + " has " + corpus.length + " bytes, need at least "
                    + minimum + " for one training and one validation sequence of seq-len " + seqLen);
        }
        return corpus;
    }

    private static DataFormat parseFormat(String format) {
        try {
            return DataFormat.valueOf(format.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DataError("unknown corpus format '" + format + "' (expected auto, text or jsonl)");
        }
    }

    private static byte[] readDocuments(Path path, DataFormat format) {
        if (!Files.exists(path)) {
            throw new DataError("corpus path does not exist: " + path);
        }
        Documents documents = new Documents(path);
        try {
            if (Files.isDirectory(path)) {
                for (Path file : filesInOrder(path).values()) {
                    readFile(file, format, documents);
                }
            } else {
                readFile(path, format, documents);
            }
        } catch (IOException e) {
            throw new DataError("cannot read corpus: " + path + " (" + e + ")", e);
        }
        return documents.bytes();
    }

    /** Regular non-hidden files under root keyed by their '/'-joined relative path, which fixes the reading order. */
    private static TreeMap<String, Path> filesInOrder(Path root) throws IOException {
        TreeMap<String, Path> files = new TreeMap<>();
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(root) && isHidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !isHidden(file)) {
                    files.put(relativeKey(root, file), file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof FileSystemLoopException) {
                    return FileVisitResult.CONTINUE; // a symlink cycle: its target is read via the real path
                }
                throw e;
            }
        });
        return files;
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static String relativeKey(Path root, Path file) {
        StringBuilder key = new StringBuilder();
        for (Path part : root.relativize(file)) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(part);
        }
        return key.toString();
    }

    private static void readFile(Path file, DataFormat format, Documents documents) throws IOException {
        byte[] content = Files.readAllBytes(file);
        if (isJsonl(file, format)) {
            readJsonl(file, content, documents);
        } else {
            if (BinaryDetector.looksBinary(content)) {
                throw new DataError("binary file in corpus (NUL bytes or mostly non-text bytes): " + file);
            }
            documents.add(content);
        }
    }

    private static boolean isJsonl(Path file, DataFormat format) {
        return switch (format) {
            case JSONL -> true;
            case TEXT -> false;
            case AUTO -> file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl");
        };
    }

    private static void readJsonl(Path file, byte[] content, Documents documents) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DataError("jsonl file is not valid UTF-8: " + file, e);
        }
        int lineNumber = 0;
        for (Iterator<String> lines = text.lines().iterator(); lines.hasNext(); ) {
            String line = lines.next();
            lineNumber++;
            if (!line.isBlank()) {
                documents.add(jsonlText(file, lineNumber, line).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static String jsonlText(Path file, int lineNumber, String line) {
        JsonElement element;
        try {
            element = STRICT_JSON.fromJson(line, JsonElement.class);
        } catch (JsonParseException e) {
            throw new DataError("jsonl line " + lineNumber + " is not valid JSON: " + file, e);
        }
        if (element == null || !element.isJsonObject()) {
            throw new DataError("jsonl line " + lineNumber + " is not a JSON object: " + file);
        }
        JsonElement textField = element.getAsJsonObject().get("text");
        if (textField == null || !textField.isJsonPrimitive() || !textField.getAsJsonPrimitive().isString()) {
            throw new DataError("jsonl line " + lineNumber + " has no string field \"text\": " + file);
        }
        return textField.getAsString();
    }

    /** Accumulates non-empty documents with a separator between neighbours. */
    private static final class Documents {
        // ByteArrayOutputStream cannot grow past this; the dataset indexes the corpus with int anyway.
        private static final long MAX_BYTES = Integer.MAX_VALUE - 8;
        private final Path source;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Documents(Path source) {
            this.source = source;
        }

        void add(byte[] document) {
            if (document.length == 0) {
                return;
            }
            int separator = out.size() == 0 ? 0 : DOCUMENT_SEPARATOR.length;
            if ((long) out.size() + separator + document.length > MAX_BYTES) {
                throw new DataError("corpus too large (more than 2 GiB): " + source);
            }
            out.write(DOCUMENT_SEPARATOR, 0, separator);
            out.write(document, 0, document.length);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
