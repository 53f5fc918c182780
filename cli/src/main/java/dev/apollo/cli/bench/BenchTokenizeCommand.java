package dev.apollo.cli.bench;

import com.typesafe.config.ConfigUtil;
import dev.apollo.cli.ConfigOptions;
import dev.apollo.config.ApolloConfig;
import dev.apollo.experiments.BenchResult;
import dev.apollo.run.Corpus;
import dev.apollo.run.UsageError;
import dev.apollo.tokenizer.HfTokenizer;
import dev.apollo.worker.data.TokenCache;
import dev.apollo.worker.data.TokenDataset;
import dev.apollo.worker.data.TokenIds;
import dev.apollo.worker.io.DirectoryTree;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo bench tokenize}: how fast the corpus is tokenized into the token cache the first time (on all cores,
 * and on one for comparison), and how fast a later run reads it back (map, verify the checksum, read every id).
 * Rates are megabytes of corpus text a second, so the two compare; each cache is built in a fresh directory.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "MB/s of tokenizing the corpus into the token cache (all cores, one) and of reading it back.")
final class BenchTokenizeCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
            description = "A Hugging Face tokenizer.json (or a directory holding one).")
    Path tokenizer;

    @Option(names = "--reads", paramLabel = "N", defaultValue = "3",
            description = "Times the cache is read back; the fastest counts (default: ${DEFAULT-VALUE}).")
    int reads;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path json;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        if (reads < 1) {
            throw new UsageError("bench tokenize: --reads must be >= 1");
        }
        ApolloConfig config = configOptions.load(List.of(
                "data.tokenizer=" + ConfigUtil.quoteString(tokenizer.toAbsolutePath().toString())));
        byte[] text = Corpus.text(config);
        long trainBytes = text.length - TokenDataset.validationSplitBytes(text.length,
                config.data().validationFraction());
        double megabytes = text.length / 1e6;
        int cores = Runtime.getRuntime().availableProcessors();
        Path scratch = Files.createTempDirectory("apollo-bench-tokenize");
        try (HfTokenizer hf = HfTokenizer.load(tokenizer)) {
            console.printf(Locale.ROOT, "apollo bench tokenize: %.2f MB of corpus, %s (%d tokens), %d cores%n",
                    megabytes, tokenizer, hf.vocabSize(), cores);
            double oneCore = build(scratch.resolve("one-core"), text, trainBytes, hf, 1);
            long started = System.nanoTime();
            TokenCache.Tokens built = TokenCache.load(scratch.resolve("all-cores"), text, trainBytes, hf, cores,
                    done -> { }, console::println);
            double allCores = seconds(started);
            long cacheBytes = Files.size(built.file());
            console.printf(Locale.ROOT, "first tokenization: %.2f s on %d cores (%.2f MB/s), %.2f s on one (%.2f MB/s);"
                    + " %d tokens, %.3f a byte, cache %.2f MB%n", allCores, cores, megabytes / allCores, oneCore,
                    megabytes / oneCore, built.ids().length(), (double) built.ids().length() / text.length,
                    cacheBytes / 1e6);
            double fastestRead = Double.MAX_VALUE;
            for (int read = 0; read < reads; read++) {
                started = System.nanoTime();
                TokenCache.Tokens cached = TokenCache.load(scratch.resolve("all-cores"), text, trainBytes, hf, cores,
                        done -> { }, console::println);
                long sum = touch(cached.ids());
                double seconds = seconds(started);
                if (cached.built()) {
                    throw new IllegalStateException("the cache just written was not read back");
                }
                fastestRead = Math.min(fastestRead, seconds);
                console.printf(Locale.ROOT, "cache read %d: %.3f s (%.1f MB/s of corpus text; id checksum %d)%n",
                        read + 1, seconds, megabytes / seconds, sum);
            }
            new BenchResult()
                    .put("tokenize_mb_s", megabytes / allCores)
                    .put("tokenize_1core_mb_s", megabytes / oneCore)
                    .put("cache_mb_s", megabytes / fastestRead)
                    .put("corpus_mb", megabytes)
                    .put("tokens", built.ids().length())
                    .put("tokens_per_byte", (double) built.ids().length() / text.length)
                    .put("cache_mb", cacheBytes / 1e6)
                    .put("cores", cores)
                    .emit(console, json);
        } finally {
            DirectoryTree.delete(scratch);
        }
        return 0;
    }

    private double build(Path directory, byte[] text, long trainBytes, HfTokenizer hf, int threads) {
        long started = System.nanoTime();
        TokenCache.load(directory, text, trainBytes, hf, threads, done -> { }, console::println);
        return seconds(started);
    }

    /** Reads every id, as training eventually does; the sum keeps the reads from being optimized away. */
    private static long touch(TokenIds ids) {
        long sum = 0;
        for (int i = 0; i < ids.length(); i++) {
            sum += ids.get(i);
        }
        return sum;
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }
}
