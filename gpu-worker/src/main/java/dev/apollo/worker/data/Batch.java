package dev.apollo.worker.data;

/**
 * One batch of token sequences, row-major [batchSize][seqLen]. A target of {@link #IGNORED_TARGET} is not predicted
 * and has weight 0; GPT batches predict every position (all weights 1), BERT batches only the masked ones.
 * The arrays are owned by the batch's consumer; nothing else keeps a reference.
 */
public record Batch(int batchSize, int seqLen, int[] inputs, int[] targets, float[] targetWeights) {
    public static final int IGNORED_TARGET = -1;

    public Batch {
        if (batchSize <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("batch shape must be positive: " + batchSize + " x " + seqLen);
        }
        int cells = Math.multiplyExact(batchSize, seqLen);
        if (inputs.length != cells || targets.length != cells || targetWeights.length != cells) {
            throw new IllegalArgumentException("batch arrays must hold " + batchSize + " x " + seqLen + " = " + cells
                    + " entries: inputs " + inputs.length + ", targets " + targets.length
                    + ", weights " + targetWeights.length);
        }
    }

    /** Number of positions with a target, i.e. the denominator of the mean loss. */
    public int predictedTokens() {
        int predicted = 0;
        for (int target : targets) {
            if (target != IGNORED_TARGET) {
                predicted++;
            }
        }
        return predicted;
    }
}
