package dev.apollo.worker.export;

/**
 * The evaluation protocol of {@code apollo eval}: the data's bytes in consecutive non-overlapping windows from
 * offset 0, window i taking tokens [i*T, i*T+T) as inputs and [i*T+1, i*T+T+1) as targets (T the model's sequence
 * length, a token a byte value), every position predicted. The loss is the mean cross-entropy over all predicted
 * tokens, computed in batches as the trainer's validation computes it.
 */
public final class CausalLmEvaluation {

    private CausalLmEvaluation() {}

    /** The loss of a model on some windows: nats per predicted token, the tokens and the windows. */
    public record Result(double loss, long tokens, int windows) {

        public double perplexity() {
            return Math.exp(loss);
        }

        /** A token is a byte, so bits per byte is the loss in bits. */
        public double bitsPerByte() {
            return loss / Math.log(2);
        }
    }

    /** Windows of {@code seqLen} tokens that fit in {@code bytes} bytes: each needs one byte more for its targets. */
    public static int windowsIn(long bytes, int seqLen) {
        return bytes <= seqLen ? 0 : (int) Math.min(Integer.MAX_VALUE, (bytes - 1) / seqLen);
    }

    /** Evaluates the first {@code windows} windows of {@code data}, {@code batchSize} windows a forward pass. */
    public static Result evaluate(GptInference model, byte[] data, int windows, int batchSize) {
        int seqLen = model.shape().seqLen();
        if (windows < 1 || windows > windowsIn(data.length, seqLen)) {
            throw new IllegalArgumentException(windows + " windows do not fit " + data.length + " bytes");
        }
        double totalLoss = 0;
        for (int first = 0; first < windows; first += batchSize) {
            int rows = Math.min(batchSize, windows - first);
            int[] inputs = new int[rows * seqLen];
            int[] targets = new int[rows * seqLen];
            for (int i = 0; i < inputs.length; i++) {
                int position = first * seqLen + i; // windows are consecutive: row r starts at (first + r) * T
                inputs[i] = Byte.toUnsignedInt(data[position]);
                targets[i] = Byte.toUnsignedInt(data[position + 1]);
            }
            totalLoss += model.meanLoss(inputs, targets, rows) * inputs.length; // a batch's mean, weighted by its tokens
        }
        long tokens = (long) windows * seqLen;
        return new Result(totalLoss / tokens, tokens, windows);
    }
}
