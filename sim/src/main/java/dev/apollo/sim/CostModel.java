package dev.apollo.sim;

import dev.apollo.config.ApolloConfig;
import dev.apollo.coordinator.apollo.FlopsModel;
import java.util.Locale;

/**
 * How long the work of a run takes on a {@link ClusterSpec}, in seconds. Compute is the {@link FlopsModel}'s
 * forward and backward FLOPs at the achieved rate; a worker whose rows do not fit its memory at once runs them in
 * micro-batches (gradient accumulation), each paying a fixed launch cost. A message takes the link's latency plus its
 * bytes over the bandwidth; a ring all-reduce over n workers sends 2(n-1) chunks of 1/n of the gradient in turn.
 *
 * <p>Sizes, as the trainer holds them: fp32 parameters, gradients and two Adam moments (16 bytes a parameter); the
 * gradient all-reduced in fp32 (4 bytes a parameter, over the stage's real layers and the embeddings); activations
 * per sequence and layer 34·T·d + 5·heads·T² bytes (Korthikanti et al., 16-bit, no recomputation) plus fp32 logits.
 */
public record CostModel(FlopsModel flops, int totalLayers, int heads, int evalBatches, ClusterSpec cluster) {

    /** Kernel launches and synchronisation of one micro-batch. */
    static final double MICRO_BATCH_OVERHEAD_SECONDS = 20e-6;
    /** Checkpoint storage bandwidth (a parallel file system, per writer). */
    static final double STORAGE_BYTES_PER_SECOND = 2e9;

    public static CostModel of(ApolloConfig config, FlopsModel flops, ClusterSpec cluster) {
        return new CostModel(flops, config.model().layers(), config.model().heads(), config.train().evalBatches(),
                cluster);
    }

    /** Parameters of a model with {@code weights} real layers. */
    public double parameters(int weights) {
        double d = flops.dModel();
        double f = flops.ffnMultiplier();
        double layer = (4 + 2 * f) * d * d + (9 + f) * d;
        return weights * layer + (flops.vocabSize() + flops.seqLen()) * d + 2 * d;
    }

    public double gradientBytes(int weights) {
        return 4 * parameters(weights);
    }

    /** Parameters, gradients and both Adam moments: what a replica holds and what a state copy moves. */
    public double stateBytes(int weights) {
        return 16 * parameters(weights);
    }

    private double activationBytesPerRow(int depth) {
        double t = flops.seqLen();
        return depth * (34 * t * flops.dModel() + 5.0 * heads * t * t) + 4 * t * flops.vocabSize();
    }

    /**
     * Rows a device runs at once at {@code depth} while holding {@code weights} real layers; at least one, or the
     * model does not fit.
     */
    public int rowsPerMicroBatch(int depth, int weights) {
        double free = cluster.memoryBytes() - stateBytes(weights);
        long rows = (long) Math.floor(free / activationBytesPerRow(depth));
        if (rows < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "the model does not fit a %s: %.1f GB of state and %.1f GB of activations a sequence at depth %d,"
                            + " %.0f GB of memory", cluster.device(), stateBytes(weights) / 1e9,
                    activationBytesPerRow(depth) / 1e9, depth, cluster.memoryBytes() / 1e9));
        }
        return (int) Math.min(rows, Integer.MAX_VALUE);
    }

    public int microBatches(int depth, int weights, int rows) {
        int perMicroBatch = rowsPerMicroBatch(depth, weights);
        return (rows + perMicroBatch - 1) / perMicroBatch;
    }

    /** Forward, backward and update of {@code rows} rows of the global batch at {@code depth}. */
    public double computeSeconds(int depth, int weights, int rows) {
        double work = flops.stepFlops(depth) * rows / flops.batchSize();
        return work / achievedFlops() + microBatches(depth, weights, rows) * MICRO_BATCH_OVERHEAD_SECONDS;
    }

    /** A ring all-reduce of the gradient of {@code weights} real layers over {@code workers} workers. */
    public double ringAllReduceSeconds(int weights, int workers) {
        if (workers < 2) {
            return 0;
        }
        return 2.0 * (workers - 1) * messageSeconds(gradientBytes(weights) / workers);
    }

    /** Latency plus transfer of one message. */
    public double messageSeconds(double bytes) {
        return cluster.linkLatencySeconds() + bytes / cluster.linkBytesPerSecond();
    }

    /** The forward passes of one evaluation on one worker, at the full depth and at the stage's. */
    public double evaluationSeconds(int weights) {
        return (flops.evalFlops(totalLayers, evalBatches) + flops.evalFlops(weights, evalBatches)) / achievedFlops();
    }

    public double checkpointSeconds(int weights) {
        return stateBytes(weights) / STORAGE_BYTES_PER_SECOND;
    }

    private double achievedFlops() {
        return cluster.peakFlops() * cluster.utilization();
    }
}
