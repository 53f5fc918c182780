package dev.apollo.cli;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.Objective;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.data.BrownCorpus;
import dev.apollo.worker.data.CorpusReader;
import dev.apollo.worker.data.MaskedLmBatches;
import dev.apollo.worker.data.TokenDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The configured corpus as the batches the objective trains on; the Brown corpus when no path is set. */
public final class Corpus {

    private Corpus() {}

    public static BatchSource load(ApolloConfig config) {
        return read(config).batches();
    }

    /**
     * The corpus's batches and its fingerprint: the size and SHA-256 of the text it trains on (after the format is
     * read), which every worker of a cluster must share.
     */
    public record Loaded(BatchSource batches, long bytes, String sha256) {}

    public static Loaded read(ApolloConfig config) {
        var data = config.data();
        byte[] bytes = text(config);
        TokenDataset windows = new TokenDataset(bytes, config.model().seqLen(), data.validationFraction());
        BatchSource batches = config.model().objective() == Objective.BERT
                ? new MaskedLmBatches(windows, data.maskProbability()) : windows;
        return new Loaded(batches, bytes.length, sha256(bytes));
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
    private static byte[] text(ApolloConfig config) {
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
