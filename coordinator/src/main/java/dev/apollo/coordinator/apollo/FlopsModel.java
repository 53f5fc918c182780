package dev.apollo.coordinator.apollo;

/**
 * Matmul FLOPs of a transformer training step, the cost axis of Apollo's comparisons. With d = dModel,
 * T = seqLen, f = ffnMultiplier, V = vocabSize and tokens = batchSize * T, a layer's forward pass per token costs
 * <pre>
 *   2 * (3 d^2 [Q, K, V] + d^2 [output projection] + 2 f d^2 [FFN in and out])  +  2 * 2 T d [Q K^T and A V]
 *   = 2 (4 + 2f) d^2 + 4 T d
 * </pre>
 * (2 FLOPs per multiply-add). The backward pass costs twice the forward, so one training step costs
 * <pre>
 *   layer = 6 * tokens * ((4 + 2f) d^2 + 2 T d)        (f = 4: 6 * tokens * (12 d^2 + 2 T d))
 *   head  = 6 * tokens * V * d                         (the tied output projection)
 *   step(D) = D * layer + head
 * </pre>
 * Causal attention is counted over the full T x T scores, as in the PyTorch reference; the embedding lookup,
 * layer norms, softmax and activations are not counted. Evaluation runs the forward pass only: a third.
 *
 * @param dModel d, the hidden width
 * @param seqLen T, tokens per sequence
 * @param batchSize B, sequences per step
 * @param vocabSize V, rows of the (tied) embedding
 * @param ffnMultiplier f, FFN hidden width over d
 */
public record FlopsModel(int dModel, int seqLen, int batchSize, int vocabSize, int ffnMultiplier) {

    public FlopsModel {
        if (dModel < 1 || seqLen < 1 || batchSize < 1 || vocabSize < 1 || ffnMultiplier < 1) {
            throw new IllegalArgumentException("every dimension must be >= 1, got dModel=" + dModel + ", seqLen="
                    + seqLen + ", batchSize=" + batchSize + ", vocabSize=" + vocabSize + ", ffnMultiplier="
                    + ffnMultiplier);
        }
    }

    /** Tokens in one step's batch, B * T. */
    public double tokensPerStep() {
        return (double) batchSize * seqLen;
    }

    /** Forward + backward FLOPs of one transformer layer over a step's batch. */
    public double layerFlops() {
        double d = dModel;
        return 6.0 * tokensPerStep() * ((4.0 + 2.0 * ffnMultiplier) * d * d + 2.0 * seqLen * d);
    }

    /** Forward + backward FLOPs of the output head over a step's batch. */
    public double headFlops() {
        return 6.0 * tokensPerStep() * vocabSize * dModel;
    }

    /** One training step run at {@code depth} layers. */
    public double stepFlops(int depth) {
        return expectedStepFlops(depth);
    }

    /** A training step's mean cost when the depth is sampled with this mean (linear in depth, so exact). */
    public double expectedStepFlops(double expectedDepth) {
        return expectedDepth * layerFlops() + headFlops();
    }

    /** Forward-only cost of {@code batches} evaluation batches (of the training batch's shape) at {@code depth}. */
    public double evalFlops(int depth, int batches) {
        return batches * stepFlops(depth) / 3.0;
    }
}
