package dev.apollo.worker.data;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.DataConfig;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.tokenizer.HfTokenizer;
import dev.apollo.tokenizer.TokenizerError;
import dev.apollo.tokenizer.TokenizerFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A run's tokenizer: the byte vocabulary, or a Hugging Face {@code tokenizer.json} ({@code data.tokenizer}), with
 * what training needs of it: its size, BERT's [MASK] and the ids a random replacement is drawn from.
 */
public record Vocabulary(Optional<TokenizerFile> file) {

    public static final Vocabulary BYTES = new Vocabulary(Optional.empty());

    /** {@code config} with {@code model.vocab-size = auto} replaced by the tokenizer file's size. */
    public static ApolloConfig resolve(ApolloConfig config) {
        if (config.data().bytes()) {
            return config;
        }
        Vocabulary vocabulary = of(config.data(), config.model());
        return config.model().vocabSize() != ModelConfig.AUTO_VOCAB ? config
                : ConfigLoader.with(config, List.of("model.vocab-size=" + vocabulary.size()));
    }

    /**
     * The tokenizer {@code data} names, checked against the model: a vocabulary larger than the model's and a bert
     * model with a tokenizer without a mask token are refused ({@link TokenizerError}).
     */
    public static Vocabulary of(DataConfig data, ModelConfig model) {
        if (data.bytes()) {
            return BYTES;
        }
        return checked(TokenizerFile.read(Path.of(data.tokenizer())), model);
    }

    /** A tokenizer file a checkpoint carries, checked against its model. */
    public static Vocabulary checked(TokenizerFile file, ModelConfig model) {
        if (model.vocabSize() != ModelConfig.AUTO_VOCAB) {
            file.requireVocabAtMost(model.vocabSize());
        }
        if (model.objective() == Objective.BERT && file.specialTokens().mask().isEmpty()) {
            throw new TokenizerError("tokenizer file " + file.path() + " has no mask token ([MASK] or <mask>):"
                    + " a bert run needs one");
        }
        return new Vocabulary(Optional.of(file));
    }

    public boolean bytes() {
        return file.isEmpty();
    }

    /** The tokenizer file's text, which checkpoints and exports carry; empty for bytes. */
    public Optional<String> json() {
        return file.map(TokenizerFile::json);
    }

    /** One more than the tokenizer file's largest id. */
    private int size() {
        return file.orElseThrow().vocabSize();
    }

    /** BERT's [MASK]. */
    public int maskId() {
        return file.map(f -> f.specialTokens().mask().orElseThrow()).orElse(ByteTokenizer.MASK);
    }

    /**
     * Ids 0..n-1 a draw picks from, BERT's random replacements and {@code generate}'s tokens: the 256 bytes, or the
     * tokenizer's whole vocabulary; never the embedding's spare rows, nor BERT's special ids above the bytes.
     */
    public int drawableTokens() {
        return file.map(TokenizerFile::vocabSize).orElse(ByteTokenizer.BYTE_VOCAB_SIZE);
    }

    /** Encoding and decoding; the tokenizer file's goes through the Hugging Face library (close it). */
    public TextCodec open() {
        if (file.isEmpty()) {
            return TextCodec.BYTES;
        }
        HfTokenizer tokenizer = HfTokenizer.load(file.get().path());
        return new TextCodec() {
            @Override
            public int[] encode(String text) {
                return tokenizer.encode(text);
            }

            @Override
            public String decode(int[] ids) {
                return tokenizer.decode(ids);
            }

            @Override
            public void close() {
                tokenizer.close();
            }
        };
    }
}
