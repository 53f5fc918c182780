package dev.apollo.cli;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.Objective;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.data.BrownCorpus;
import dev.apollo.worker.data.CorpusReader;
import dev.apollo.worker.data.MaskedLmBatches;
import dev.apollo.worker.data.TokenDataset;
import java.nio.file.Path;

/** The configured corpus as the batches the objective trains on; the Brown corpus when no path is set. */
public final class Corpus {

    private Corpus() {}

    public static BatchSource load(ApolloConfig config) {
        var data = config.data();
        int seqLen = config.model().seqLen();
        Path path = data.path().map(Path::of).orElseGet(() -> BrownCorpus.ensure(BrownCorpus.defaultCacheDir()));
        byte[] bytes = CorpusReader.read(path, data.format(), seqLen, data.validationFraction());
        TokenDataset windows = new TokenDataset(bytes, seqLen, data.validationFraction());
        return config.model().objective() == Objective.BERT
                ? new MaskedLmBatches(windows, data.maskProbability()) : windows;
    }
}
