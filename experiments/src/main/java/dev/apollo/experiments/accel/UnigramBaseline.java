package dev.apollo.experiments.accel;

import dev.apollo.worker.data.Batch;
import dev.apollo.worker.data.BatchSource;
import java.util.HashMap;
import java.util.Map;

/**
 * The validation loss of a model that knows token frequencies and nothing else: the entropy, in nats, of the targets
 * of the validation batches the trainer evaluates on. A run whose loss stays near it has learned no context (the
 * plateau a post-LN masked LM can sit on for a whole short run), so savings measured against it mean nothing.
 */
public final class UnigramBaseline {

    /** A run is off the plateau once its loss is below this share of the unigram entropy. */
    public static final double PLATEAU_SHARE = 0.95;

    private UnigramBaseline() {}

    public static double entropy(BatchSource data, int batchSize, int batches) {
        int count = Math.max(1, Math.min(batches, data.validationBatchCount(batchSize)));
        Map<Integer, Long> frequencies = new HashMap<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            for (int target : data.validationBatch(i, batchSize).targets()) {
                if (target != Batch.IGNORED_TARGET) {
                    frequencies.merge(target, 1L, Long::sum);
                    total++;
                }
            }
        }
        double entropy = 0;
        for (long frequency : frequencies.values()) {
            double p = (double) frequency / total;
            entropy -= p * Math.log(p);
        }
        return entropy;
    }

    public static boolean onPlateau(double loss, double unigramEntropy) {
        return loss >= PLATEAU_SHARE * unigramEntropy;
    }
}
