package dev.apollo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFileTest {
    @TempDir Path dir;

    private Path trainedBpe() throws Exception {
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), Corpus.text());
        return TokenizerTraining.train(corpus, Kind.BPE, 300, dir.resolve("bpe"));
    }

    private String refusal(String json) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.json"), json);
        TokenizerError e = assertThrows(TokenizerError.class, () -> HfTokenizer.load(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void refusesTruncatedJson() throws Exception {
        String json = Files.readString(trainedBpe());
        assertTrue(refusal(json.substring(0, json.length() / 2)).contains("is not valid JSON"));
        assertTrue(refusal(json.substring(0, json.indexOf("\"merges\"") - 40)).contains("is not valid JSON"));
        assertTrue(refusal("").contains("is empty"));
    }

    @Test
    void refusesAnUnknownModelType() throws Exception {
        String json = Files.readString(trainedBpe()).replace("\"type\": \"BPE\"", "\"type\": \"Quantum\"");
        assertTrue(refusal(json).contains("unknown model type 'Quantum'"));
    }

    @Test
    void refusesAModelWithoutVocabulary() throws Exception {
        assertTrue(refusal("{\"model\": {\"type\": \"WordPiece\"}}").contains("has no model vocabulary"));
        assertTrue(refusal("{\"version\": \"1.0\"}").contains("has no \"model\" object"));
    }

    @Test
    void reportsWhatTheHuggingFaceLibraryRefusesInOneLine() throws Exception {
        String json = Files.readString(trainedBpe()).replaceFirst("\"merges\": \\[", "\"merges\": [\n      \"zz qq\",");
        assertTrue(refusal(json).contains("the Hugging Face library refused"));
    }

    @Test
    void refusesAVocabularyLargerThanTheModelAllows() throws Exception {
        TokenizerFile file = TokenizerFile.read(trainedBpe().getParent());
        assertEquals(300, file.vocabSize());
        file.requireVocabAtMost(300);
        TokenizerError e = assertThrows(TokenizerError.class, () -> file.requireVocabAtMost(256));
        assertTrue(e.getMessage().contains("vocabulary of 300 tokens, larger than the model's 256"), e.getMessage());
    }
}
