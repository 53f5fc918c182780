package dev.apollo.run;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.Objective;
import dev.apollo.tokenizer.HfTokenizer;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.data.BrownCorpus;
import dev.apollo.worker.data.CorpusReader;
import dev.apollo.worker.data.MaskedLmBatches;
import dev.apollo.worker.data.TokenCache;
import dev.apollo.worker.data.TokenDataset;
import dev.apollo.worker.data.Vocabulary;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The configured corpus as the batches the objective trains on; the Brown corpus when no path is set. With a
 * tokenizer file the ids come from the {@link TokenCache}, built on the first use.
 */
public final class Corpus {

    private Corpus() {}

    public static BatchSource load(ApolloConfig config) {
        return read(config).batches();
    }

    /**
     * The corpus's batches and its fingerprint: the size of the text it trains on (after the format is read) and the
     * SHA-256 of that text and of the tokenizer file, which every worker of a cluster must share.
     */
    public record Loaded(BatchSource batches, long bytes, String sha256) {}

    public static Loaded read(ApolloConfig config) {
        return read(config, System.out);
    }

    /** As {@link #read(ApolloConfig)}, telling {@code console} about building or reading a token cache. */
    public static Loaded read(ApolloConfig config, PrintStream console) {
        var data = config.data();
        byte[] bytes = text(config);
        if (data.bytes()) {
            TokenDataset windows = new TokenDataset(bytes, config.model().seqLen(), data.validationFraction());
            BatchSource batches = config.model().objective() == Objective.BERT
                    ? new MaskedLmBatches(windows, data.maskProbability()) : windows;
            return new Loaded(batches, bytes.length, sha256(bytes));
        }
        Vocabulary vocabulary = Vocabulary.of(data, config.model());
        TokenCache.Tokens tokens = tokens(config, bytes, console);
        TokenDataset windows = new TokenDataset(tokens.ids(), tokens.trainTokens(), config.model().seqLen());
        BatchSource batches = config.model().objective() == Objective.BERT
                ? new MaskedLmBatches(windows, data.maskProbability(), vocabulary.maskId(), vocabulary.drawableTokens())
                : windows;
        String tokenizerSha = sha256(vocabulary.json().orElseThrow().getBytes(StandardCharsets.UTF_8));
        return new Loaded(batches, bytes.length,
                sha256((sha256(bytes) + tokenizerSha).getBytes(StandardCharsets.US_ASCII)));
    }

    /** The corpus's ids under the configured tokenizer file, from the cache or tokenized now on all cores. */
    public static TokenCache.Tokens tokens(ApolloConfig config, byte[] bytes, PrintStream console) {
        var data = config.data();
        long trainBytes = bytes.length - TokenDataset.validationSplitBytes(bytes.length, data.validationFraction());
        Path cache = data.tokenCache().map(Path::of)
                .orElseGet(() -> BrownCorpus.defaultCacheDir().resolve("tokens"));
        long started = System.nanoTime();
        try (HfTokenizer tokenizer = HfTokenizer.load(Path.of(data.tokenizer()));
                ProgressBar bar = System.console() == null ? null : new ProgressBarBuilder().setTaskName("tokenize")
                        .setInitialMax(bytes.length).setUnit(" MB", 1 << 20).setStyle(ProgressBarStyle.ASCII)
                        .continuousUpdate().build()) {
            TokenCache.Tokens tokens = TokenCache.load(cache, bytes, trainBytes, tokenizer,
                    Runtime.getRuntime().availableProcessors(),
                    bar != null ? bar::stepBy : new PeriodicProgress(bytes.length, console), console::println);
            double seconds = (System.nanoTime() - started) / 1e9;
            console.printf(Locale.ROOT, "%s %d tokens (%.3f a byte) in %.1f s: %s%n",
                    tokens.built() ? "tokenized the corpus into" : "token ids from the cache:", tokens.ids().length(),
                    (double) tokens.ids().length() / bytes.length, seconds, tokens.file());
            return tokens;
        }
    }

    /** Without a terminal for a bar, a line every 10 s while the corpus is tokenized, so a long first run shows life. */
    private static final class PeriodicProgress implements LongConsumer {
        private static final long PERIOD_NANOS = 10_000_000_000L;
        private final long total;
        private final PrintStream console;
        private long done;
        private long lastLine = System.nanoTime();

        PeriodicProgress(long total, PrintStream console) {
            this.total = total;
            this.console = console;
        }

        @Override
        public synchronized void accept(long bytes) {
            done += bytes;
            long now = System.nanoTime();
            if (now - lastLine >= PERIOD_NANOS) {
                lastLine = now;
                console.printf(Locale.ROOT, "tokenizing: %.0f%% of %.1f MB%n", 100.0 * done / total, total / 1e6);
            }
        }
    }

    /** The corpus's text as training reads it, cut where the held-out validation split begins. */
    public record Split(String training, String validation) {}

    public static Split split(ApolloConfig config) {
        byte[] bytes = text(config);
        int trainBytes = (int) (bytes.length
                - TokenDataset.validationSplitBytes(bytes.length, config.data().validationFraction()));
        return new Split(new String(bytes, 0, trainBytes, StandardCharsets.UTF_8),
                new String(bytes, trainBytes, bytes.length - trainBytes, StandardCharsets.UTF_8));
    }

    /** The text training reads: the configured corpus (the Brown corpus by default) with its format applied. */
    public static byte[] text(ApolloConfig config) {
        var data = config.data();
        Path path = data.path().map(Path::of).orElseGet(() -> BrownCorpus.ensure(BrownCorpus.defaultCacheDir()));
        return CorpusReader.read(path, data.format(), config.model().seqLen(), data.validationFraction());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
