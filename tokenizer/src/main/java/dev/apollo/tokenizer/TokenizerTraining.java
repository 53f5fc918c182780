package dev.apollo.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Trains a tokenizer on a corpus and writes its {@code tokenizer.json}: what {@code apollo tokenizer train} runs. */
public final class TokenizerTraining {
    private TokenizerTraining() {}

    /** As {@link #train(Path, Kind, int, boolean, Path)}, WordPiece uncased as bert-base-uncased. */
    public static Path train(Path corpus, Kind kind, int vocabSize, Path outDir) throws IOException {
        return train(corpus, kind, vocabSize, true, outDir);
    }

    /**
     * Trains on {@code corpus}, a text file or a directory whose regular files are read in path order,
     * and writes {@code outDir/tokenizer.json}; the same corpus always gives the same bytes.
     *
     * @param lowercase WordPiece only: lowercase and strip accents
     * @return the file written
     */
    public static Path train(Path corpus, Kind kind, int vocabSize, boolean lowercase, Path outDir) throws IOException {
        return train(sink -> readTexts(corpus, sink), kind, vocabSize, lowercase, outDir);
    }

    /** The same on one text in memory (the corpus as the trainer reads it, format and split applied). */
    public static Path train(String text, Kind kind, int vocabSize, boolean lowercase, Path outDir) throws IOException {
        return train(sink -> sink.accept(text), kind, vocabSize, lowercase, outDir);
    }

    /** Where the trainers' text comes from: it hands every text to the sink. */
    private interface Texts {
        void into(Consumer<String> sink) throws IOException;
    }

    private static Path train(Texts texts, Kind kind, int vocabSize, boolean lowercase, Path outDir) throws IOException {
        String json =
                switch (kind) {
                    case BPE -> {
                        BpeTrainer trainer = new BpeTrainer();
                        texts.into(trainer::add);
                        yield TokenizerJson.bpe(trainer.train(vocabSize));
                    }
                    case WORDPIECE -> {
                        WordPieceTrainer trainer = new WordPieceTrainer(lowercase);
                        texts.into(trainer::add);
                        yield TokenizerJson.wordPiece(trainer.train(vocabSize));
                    }
                };
        Files.createDirectories(outDir);
        Path out = outDir.resolve("tokenizer.json");
        Files.writeString(out, json, StandardCharsets.UTF_8);
        return out;
    }

    /** One file at a time, so memory holds one file's text and the word counts, not the corpus. */
    private static void readTexts(Path corpus, Consumer<String> sink) throws IOException {
        List<Path> files;
        if (Files.isDirectory(corpus)) {
            try (Stream<Path> walk = Files.walk(corpus)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
        } else {
            files = List.of(corpus);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("corpus " + corpus + " holds no files");
        }
        try {
            files.forEach(f -> sink.accept(read(f)));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Bytes that are not UTF-8 become U+FFFD rather than stopping the training. */
    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
