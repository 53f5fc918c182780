package dev.apollo.cli.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.cli.CliHarness;
import dev.apollo.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apollo tokenizer train} writes a tokenizer.json the Hugging Face library loads; bad input writes nothing. */
class TokenizerTrainCommandTest {

    @TempDir
    Path dir;

    @Test
    void trainsABpeAndAWordPieceTheHuggingFaceLibraryLoads() throws IOException {
        Path corpus = CliHarness.corpus(dir);
        var bpe = CliHarness.run(List.of("tokenizer", "train", "--data", corpus.toString(), "--kind", "bpe",
                "--vocab-size", "300", "--out", dir.resolve("bpe").toString()));
        assertEquals(0, bpe.exitCode(), bpe.err());
        assertTrue(bpe.out().contains("bpe of 300 tokens"), bpe.out());
        try (HfTokenizer tokenizer = HfTokenizer.load(dir.resolve("bpe").resolve("tokenizer.json"))) {
            assertEquals(300, tokenizer.vocabSize());
            String text = "the lazy dog sings at dawn";
            int[] ids = tokenizer.encode(text);
            assertTrue(ids.length < text.length(), "merges learned from the corpus shorten its words");
            assertEquals(text, tokenizer.decode(ids));
        }

        var wordPiece = CliHarness.run(List.of("tokenizer", "train", "--data", corpus.toString(), "--kind",
                "wordpiece", "--vocab-size", "80", "--out", dir.resolve("wp").toString()));
        assertEquals(0, wordPiece.exitCode(), wordPiece.err());
        try (HfTokenizer tokenizer = HfTokenizer.load(dir.resolve("wp").resolve("tokenizer.json"))) {
            assertEquals(0, tokenizer.specialTokens().pad().orElseThrow());
            assertTrue(tokenizer.specialTokens().mask().isPresent(), "BERT's mask token is there");
            int[] framed = tokenizer.encodeWithSpecialTokens("quick brown fox");
            assertEquals(tokenizer.specialTokens().cls().orElseThrow(), framed[0]);
            assertEquals(tokenizer.specialTokens().sep().orElseThrow(), framed[framed.length - 1]);
        }

        var again = CliHarness.run(List.of("tokenizer", "train", "--data", corpus.toString(), "--kind", "bpe",
                "--vocab-size", "300", "--out", dir.resolve("bpe-again").toString()));
        assertEquals(0, again.exitCode(), again.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("bpe").resolve("tokenizer.json")),
                Files.readAllBytes(dir.resolve("bpe-again").resolve("tokenizer.json")), "deterministic for a corpus");
    }

    @Test
    void badRequestsAreUsageErrorsAndWriteNothing() throws IOException {
        Path corpus = CliHarness.corpus(dir);
        assertRefused("--kind unigram: expected bpe or wordpiece", corpus, "--kind", "unigram", "--vocab-size", "300");
        assertRefused("at least 257", corpus, "--kind", "bpe", "--vocab-size", "100");
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve("out").resolve("tokenizer.json"), "{}");
        var taken = CliHarness.run(List.of("tokenizer", "train", "--data", corpus.toString(), "--kind", "bpe",
                "--vocab-size", "300", "--out", dir.resolve("out").toString()));
        assertEquals(2, taken.exitCode());
        assertTrue(taken.err().contains("already holds a tokenizer.json"), taken.err());
        assertEquals("{}", Files.readString(dir.resolve("out").resolve("tokenizer.json")));
    }

    private void assertRefused(String expected, Path corpus, String... args) {
        Path out = dir.resolve("refused");
        List<String> all = new java.util.ArrayList<>(List.of("tokenizer", "train", "--data", corpus.toString(),
                "--out", out.toString()));
        all.addAll(List.of(args));
        var outcome = CliHarness.run(all);
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        assertTrue(outcome.err().contains(expected), outcome.err());
        assertTrue(Files.notExists(out.resolve("tokenizer.json")), "nothing written");
    }
}
