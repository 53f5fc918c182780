package dev.apollo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTrainingTest {
    @TempDir Path dir;

    @Test
    void trainsOnEveryFileOfADirectory() throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus/part"));
        Files.writeString(dir.resolve("corpus/a.txt"), Corpus.text());
        Files.writeString(corpus.resolve("b.txt"), "zebra quagga zebra quagga");
        Path out = TokenizerTraining.train(dir.resolve("corpus"), Kind.parse("WordPiece"), 250, dir.resolve("out"));
        try (HfTokenizer tokenizer = HfTokenizer.load(out.getParent())) {
            assertEquals(1, tokenizer.encode("zebra").length, "the nested file's word was learnt");
        }
    }

    @Test
    void refusesAnUnknownKindAndAnEmptyCorpus() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Kind.parse("unigram"));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(IllegalArgumentException.class,
                () -> TokenizerTraining.train(empty, Kind.BPE, 300, dir.resolve("out")));
    }
}
