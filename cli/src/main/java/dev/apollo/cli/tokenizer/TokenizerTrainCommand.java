package dev.apollo.cli.tokenizer;

import dev.apollo.cli.ConfigOptions;
import dev.apollo.config.ApolloConfig;
import dev.apollo.run.Corpus;
import dev.apollo.run.UsageError;
import dev.apollo.tokenizer.HfTokenizer;
import dev.apollo.tokenizer.Kind;
import dev.apollo.tokenizer.TokenizerTraining;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo tokenizer train}: a byte-level BPE (as GPT-2's) or a WordPiece (as BERT's) trained on the training
 * split of the corpus, read as training reads it (format, Brown's tags), so the held-out text stays unseen. The file
 * is loaded back through the Hugging Face library before the command reports success.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a byte-level BPE or a WordPiece on the corpus's training split; writes DIR/tokenizer.json.")
public final class TokenizerTrainCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--kind", required = true, paramLabel = "bpe|wordpiece",
            description = "bpe: byte-level BPE as GPT-2's; wordpiece: as BERT's.")
    String kind;

    @Option(names = "--vocab-size", required = true, paramLabel = "N",
            description = "Tokens in the vocabulary, special tokens included.")
    int vocabSize;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for tokenizer.json.")
    Path out;

    @Option(names = "--cased", description = "WordPiece: keep case and accents (default: lowercase and strip accents, "
            + "as bert-base-uncased).")
    boolean cased;

    @Override
    public Integer call() throws Exception {
        Kind chosen;
        try {
            chosen = Kind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--kind " + kind + ": expected bpe or wordpiece");
        }
        if (Files.exists(out.resolve("tokenizer.json"))) {
            throw new UsageError(out + " already holds a tokenizer.json; choose another --out");
        }
        ApolloConfig config = configOptions.load(List.of(), List.of());
        Corpus.Split text = Corpus.split(config);
        long start = System.nanoTime();
        Path file;
        try {
            file = TokenizerTraining.train(text.training(), chosen, vocabSize, !cased, out);
        } catch (IllegalArgumentException e) { // TokenizerError among them: a vocabulary too small, an empty corpus
            throw new UsageError(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try (HfTokenizer tokenizer = HfTokenizer.load(file)) {
            int tokens = tokenizer.encode(text.validation()).length;
            long bytes = text.validation().getBytes(StandardCharsets.UTF_8).length;
            System.out.printf(Locale.ROOT, "%s: %s of %d tokens, trained on %.1f MB in %.1f s; on the validation "
                    + "split %.3f tokens a byte (%d tokens for %d bytes)%n", file, chosen.name().toLowerCase(Locale.ROOT),
                    tokenizer.vocabSize(), text.training().getBytes(StandardCharsets.UTF_8).length / 1e6, seconds,
                    (double) tokens / bytes, tokens, bytes);
        }
        return 0;
    }
}
