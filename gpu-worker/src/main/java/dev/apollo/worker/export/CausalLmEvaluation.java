package dev.apollo.worker.export;

import dev.apollo.worker.data.ByteTokenizer;

/**
 * The evaluation protocol of {@code apollo eval}: the data's tokens (its bytes with the byte vocabulary) in
 * consecutive non-overlapping windows from offset 0, window i taking tokens [i*T, i*T+T) as inputs and
 * [i*T+1, i*T+T+1) as targets (T the model's sequence length), every position predicted. The loss is the mean
 * cross-entropy over all predicted tokens, computed in batches as the trainer's validation computes it. Bits per
 * byte count the same loss over the original bytes, so models with different tokenizers compare.
 */
public final class CausalLmEvaluation {

    private CausalLmEvaluation() {}

    /**
     * The loss of a model on some windows: nats per predicted token, the tokens and the windows.
     *
     * @param tokensPerByte the data's tokens per byte of its text: 1 with the byte vocabulary
     */
    public record Result(double loss, long tokens, int windows, double tokensPerByte) {

        public double perplexity() {
            return Math.exp(loss);
        }

        /** The loss in bits spread over the bytes the tokens stand for; with bytes, the loss in bits. */
        public double bitsPerByte() {
            return loss / Math.log(2) * tokensPerByte;
        }
    }

    /** Windows of {@code seqLen} tokens that fit in {@code tokens} tokens: each needs one more for its targets. */
    public static int windowsIn(long tokens, int seqLen) {
        return tokens <= seqLen ? 0 : (int) Math.min(Integer.MAX_VALUE, (tokens - 1) / seqLen);
    }

    /** Evaluates the first {@code windows} windows of {@code data} read as bytes. */
    public static Result evaluate(GptInference model, byte[] data, int windows, int batchSize) {
        return evaluate(model, ByteTokenizer.encode(data), data.length, windows, batchSize);
    }

    /**
     * Evaluates the first {@code windows} windows of {@code tokens}, the ids of a text of {@code bytes} bytes,
     * {@code batchSize} windows a forward pass.
     */
    public static Result evaluate(GptInference model, int[] tokens, long bytes, int windows, int batchSize) {
        int seqLen = model.shape().seqLen();
        if (windows < 1 || windows > windowsIn(tokens.length, seqLen)) {
            throw new IllegalArgumentException(windows + " windows do not fit " + tokens.length + " tokens");
        }
        double totalLoss = 0;
        for (int first = 0; first < windows; first += batchSize) {
            int rows = Math.min(batchSize, windows - first);
            int[] inputs = new int[rows * seqLen];
            int[] targets = new int[rows * seqLen];
            for (int i = 0; i < inputs.length; i++) {
                int position = first * seqLen + i; // windows are consecutive: row r starts at (first + r) * T
                inputs[i] = tokens[position];
                targets[i] = tokens[position + 1];
            }
            totalLoss += model.meanLoss(inputs, targets, rows) * inputs.length; // a batch's mean, weighted by its tokens
        }
        long predicted = (long) windows * seqLen;
        return new Result(totalLoss / predicted, predicted, windows, (double) tokens.length / bytes);
    }
}
