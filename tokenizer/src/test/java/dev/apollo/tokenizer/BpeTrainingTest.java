package dev.apollo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainingTest {
    @TempDir Path dir;

    private Path trained(int vocabSize) throws Exception {
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), Corpus.text());
        return TokenizerTraining.train(corpus, Kind.BPE, vocabSize, dir.resolve("bpe"));
    }

    @Test
    void huggingFaceLoadsItAndDecodesExactlyWhatItEncoded() throws Exception {
        try (HfTokenizer tokenizer = HfTokenizer.load(trained(400))) {
            assertEquals(400, tokenizer.vocabSize());
            assertEquals(399, tokenizer.specialTokens().eos().orElseThrow());
            // text beyond the corpus, bytes of every width included, still round-trips byte for byte
            String text = "The jury said Friday:\n\tcafé naïve 東京 🙂 <|endoftext|> end  ";
            int[] ids = tokenizer.encode(text);
            assertEquals(text, tokenizer.decode(ids));
            String corpusSentence = "The Fulton County Grand Jury said Friday an investigation";
            int[] merged = tokenizer.encode(corpusSentence);
            assertTrue(merged.length < corpusSentence.length() / 2, "merges apply: " + merged.length + " tokens");
            int[] whole = tokenizer.encode(Corpus.text());
            assertTrue(whole.length > 512, "longer than DJL's default truncation: " + whole.length);
            assertEquals(Corpus.text(), tokenizer.decode(whole));
        }
    }

    @Test
    void endOfTextIsOneSpecialTokenAndNoneIsAddedOtherwise() throws Exception {
        try (HfTokenizer tokenizer = HfTokenizer.load(trained(300))) {
            int eos = tokenizer.specialTokens().eos().orElseThrow();
            assertArrayEquals(new int[] {eos}, tokenizer.encode("<|endoftext|>"));
            assertArrayEquals(tokenizer.encode("jury"), tokenizer.encodeWithSpecialTokens("jury"));
            assertTrue(tokenizer.specialTokens().cls().isEmpty());
        }
    }

    @Test
    void vocabularyIsBytesThenMergesThenEndOfText() {
        BpeVocabulary vocabulary = new BpeTrainer().add(Corpus.text()).train(300);
        assertEquals(300, vocabulary.tokens().size());
        assertEquals(300 - 256 - 1, vocabulary.merges().size());
        assertEquals("Ġ", vocabulary.tokens().get(' '));
        assertEquals("!", vocabulary.tokens().get('!'));
        assertEquals(BpeTrainer.END_OF_TEXT, vocabulary.tokens().get(299));
        Merge first = vocabulary.merges().get(0);
        assertEquals(first.left() + first.right(), vocabulary.tokens().get(256));
    }

    @Test
    void theSameCorpusGivesTheSameBytes() throws Exception {
        byte[] once = Files.readAllBytes(trained(350));
        byte[] twice = Files.readAllBytes(trained(350));
        assertArrayEquals(once, twice);
        String json = new String(once, StandardCharsets.UTF_8);
        assertTrue(json.contains("\"content\": \"<|endoftext|>\""));
        assertTrue(json.contains("\"normalizer\": null"), "nulls are written as Hugging Face writes them");
    }
}
