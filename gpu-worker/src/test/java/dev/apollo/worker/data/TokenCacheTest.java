package dev.apollo.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.tokenizer.HfTokenizer;
import dev.apollo.tokenizer.Kind;
import dev.apollo.tokenizer.TokenizerTraining;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token cache: built once, read back mapped, independent of the cores, rebuilt when stale or corrupt. */
class TokenCacheTest {

    @TempDir
    static Path dir;
    static byte[] corpus;
    static long trainBytes;
    static HfTokenizer tokenizer;
    static HfTokenizer wordPiece;

    @BeforeAll
    static void corpusAndTokenizer() throws IOException {
        String[] words = ("the jury said friday an investigation of atlanta's recent primary election produced no"
                + " , '' `` ( 1961 )").split(" ");
        SplittableRandom random = new SplittableRandom(11);
        StringBuilder text = new StringBuilder();
        while (text.length() < TokenCache.PIECE_BYTES * 12) { // a dozen pieces in the training split
            text.append(random.nextInt(9) == 0 ? "  " : " ");
            for (int w = 0; w < 12; w++) {
                text.append(words[random.nextInt(words.length)]).append(w < 11 ? " " : ".\n");
            }
        }
        text.append("caf\u00e9 na\u00efve \u2014 the end.\n");
        corpus = text.toString().getBytes(StandardCharsets.UTF_8);
        trainBytes = corpus.length - 200;
        Path file = TokenizerTraining.train(text.substring(0, 20_000), Kind.BPE, 400, false, dir.resolve("bpe"));
        tokenizer = HfTokenizer.load(file);
        wordPiece = HfTokenizer.load(TokenizerTraining.train(text.substring(0, 20_000), Kind.WORDPIECE, 200, true,
                dir.resolve("wordpiece")));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        wordPiece.close();
    }

    private static TokenCache.Tokens load(Path cache, int threads, List<String> log) {
        return TokenCache.load(cache, corpus, trainBytes, tokenizer, threads, done -> { }, log::add);
    }

    private static int[] ids(TokenIds tokens) {
        int[] ids = new int[tokens.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i);
        }
        return ids;
    }

    @Test
    void aCacheIsBuiltOnceThenReadBackWithTheSameIdsWhateverTheCores() {
        List<String> log = new ArrayList<>();
        TokenCache.Tokens built = load(dir.resolve("two-cores"), 2, log);
        assertTrue(built.built());
        TokenCache.Tokens read = load(dir.resolve("two-cores"), 2, log);
        assertFalse(read.built());
        assertTrue(log.isEmpty(), log.toString());
        assertArrayEquals(ids(built.ids()), ids(read.ids()));
        assertEquals(built.trainTokens(), read.trainTokens());
        assertArrayEquals(ids(built.ids()), ids(load(dir.resolve("one-core"), 1, log).ids()));
        assertTrue(TokenCache.pieces(corpus, 0, (int) trainBytes).size() >= 12);
        // each split's ids are those of its whole text: the cuts between pieces change nothing
        String training = new String(corpus, 0, (int) trainBytes, StandardCharsets.UTF_8);
        String validation = new String(corpus, (int) trainBytes, corpus.length - (int) trainBytes,
                StandardCharsets.UTF_8);
        int[] all = ids(read.ids());
        assertArrayEquals(tokenizer.encode(training), Arrays.copyOfRange(all, 0, read.trainTokens()));
        int[] tail = Arrays.copyOfRange(all, read.trainTokens(), all.length);
        assertArrayEquals(tokenizer.encode(validation), tail);
        assertEquals(validation, tokenizer.decode(tail));
        TokenCache.Tokens pieces = TokenCache.load(dir.resolve("wordpiece-cache"), corpus, trainBytes, wordPiece, 2,
                done -> { }, log::add);
        assertArrayEquals(wordPiece.encode(training), Arrays.copyOfRange(ids(pieces.ids()), 0, pieces.trainTokens()));
        // 400 ids need two bytes each after the 128-byte header
        assertEquals(128 + 2L * all.length, read.file().toFile().length());
    }

    @Test
    void aCorruptOrTruncatedCacheIsDetectedAndRebuilt() throws IOException {
        Path cache = dir.resolve("damaged");
        TokenCache.Tokens built = load(cache, 2, new ArrayList<>());
        int[] expected = ids(built.ids());
        try (RandomAccessFile file = new RandomAccessFile(built.file().toFile(), "rw")) {
            file.seek(1000);
            int b = file.read();
            file.seek(1000);
            file.write(b ^ 1);
        }
        List<String> log = new ArrayList<>();
        TokenCache.Tokens rebuilt = load(cache, 2, log);
        assertTrue(rebuilt.built());
        assertTrue(log.get(0).contains("is corrupt (checksum mismatch): tokenizing again"), log.toString());
        assertArrayEquals(expected, ids(rebuilt.ids()));
        try (RandomAccessFile file = new RandomAccessFile(rebuilt.file().toFile(), "rw")) {
            file.setLength(file.length() - 3);
        }
        log.clear();
        assertTrue(load(cache, 2, log).built());
        assertTrue(log.get(0).contains("is truncated or malformed"), log.toString());
        assertFalse(load(cache, 2, log).built());
    }

    @Test
    void anotherSplitIsAnotherCacheAndTheSplitStaysOnACharacter() throws IOException {
        Path cache = dir.resolve("splits");
        TokenCache.Tokens first = load(cache, 2, new ArrayList<>());
        // inside the two bytes of the final "é"'s neighbour "—" (three bytes): moved to the next character
        int dash = new String(corpus, StandardCharsets.UTF_8).lastIndexOf('\u2014');
        long inside = new String(corpus, StandardCharsets.UTF_8).substring(0, dash)
                .getBytes(StandardCharsets.UTF_8).length + 1L;
        TokenCache.Tokens other = TokenCache.load(cache, corpus, inside, tokenizer, 2, done -> { }, m -> { });
        assertTrue(other.built());
        assertEquals(inside + 2, other.trainBytes());
        try (var files = Files.list(cache)) {
            assertEquals(2, files.count());
        }
        assertFalse(first.file().equals(other.file()));
    }
}
