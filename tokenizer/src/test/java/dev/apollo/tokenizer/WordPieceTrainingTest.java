package dev.apollo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTrainingTest {
    @TempDir Path dir;

    private Path trained(int vocabSize, boolean lowercase) throws Exception {
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), Corpus.text());
        return TokenizerTraining.train(corpus, Kind.WORDPIECE, vocabSize, lowercase, dir.resolve("wordpiece"));
    }

    @Test
    void huggingFaceLoadsItAndRoundTripsUncasedTextModuloSpacing() throws Exception {
        try (HfTokenizer tokenizer = HfTokenizer.load(trained(250, true))) {
            assertEquals(250, tokenizer.vocabSize());
            String text = "The Jury's term-end report, said Friday, investigation of Atlanta was conducted.";
            int[] ids = tokenizer.encode(text);
            int unk = tokenizer.specialTokens().unk().orElseThrow();
            assertTrue(Arrays.stream(ids).noneMatch(id -> id == unk), "no [UNK] for corpus characters");
            assertEquals(squeeze(text.toLowerCase()), squeeze(tokenizer.decode(ids)));
            assertTrue(ids.length < text.length() / 2, "pieces merge: " + ids.length + " tokens");
        }
    }

    @Test
    void stripsAccentsWhenUncasedAndKeepsCaseWhenCased() throws Exception {
        try (HfTokenizer uncased = HfTokenizer.load(trained(200, true))) {
            assertArrayEquals(uncased.encode("the jury"), uncased.encode("THÉ JÚRY"));
        }
        try (HfTokenizer cased = HfTokenizer.load(trained(200, false))) {
            assertFalse(Arrays.equals(cased.encode("the jury"), cased.encode("The Jury")));
        }
    }

    @Test
    void bertSpecialTokensComeFirstAndFrameASequenceWhenAsked() throws Exception {
        try (HfTokenizer tokenizer = HfTokenizer.load(trained(300, true))) {
            SpecialTokens specials = tokenizer.specialTokens();
            assertEquals(
                    List.of(0, 1, 2, 3, 4),
                    List.of(
                            specials.pad().orElseThrow(), specials.unk().orElseThrow(), specials.cls().orElseThrow(),
                            specials.sep().orElseThrow(), specials.mask().orElseThrow()));
            int[] plain = tokenizer.encode("the jury said");
            int[] framed = tokenizer.encodeWithSpecialTokens("the jury said");
            assertEquals(plain.length + 2, framed.length);
            assertEquals(2, framed[0]);
            assertEquals(3, framed[framed.length - 1]);
            assertArrayEquals(plain, Arrays.copyOfRange(framed, 1, framed.length - 1));
            assertArrayEquals(new int[] {4}, tokenizer.encode("[MASK]"));
        }
    }

    @Test
    void theSameCorpusGivesTheSameBytes() throws Exception {
        byte[] once = Files.readAllBytes(trained(250, true));
        byte[] twice = Files.readAllBytes(trained(250, true));
        assertArrayEquals(once, twice);
    }

    @Test
    void refusesAVocabularyTooSmallForTheAlphabet() {
        WordPieceTrainer trainer = new WordPieceTrainer(true).add(Corpus.text());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.train(20));
        assertTrue(e.getMessage().contains("ask for at least"), e.getMessage());
    }

    private static String squeeze(String s) {
        return s.replaceAll("\\s+", "");
    }
}
