package dev.apollo.worker.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * BERT batches: the first seqLen tokens of each {@link TokenDataset} window with BERT masking. Each position is
 * chosen with probability maskProbability (at least one per row); chosen positions are predicted and become
 * [MASK] 80% of the time, a random token 10% and stay unchanged 10%. The draws depend only on (seed, step, row).
 */
public final class MaskedLmBatches implements BatchSource {
    public static final double MASK_TOKEN_SHARE = 0.8;
    public static final double RANDOM_TOKEN_SHARE = 0.1;
    // Keeps the masking stream apart from the window shuffle, which is keyed by (seed, epoch).
    private static final long MASK_STREAM = 0x4D41534B;
    // Validation masks are fixed so that validation losses of different steps and runs are comparable.
    private static final long VALIDATION_SEED = 0x56414C4944L;

    private final TokenDataset windows;
    private final double maskProbability;
    private final int maskId;
    private final int randomTokens;

    /** With the byte vocabulary: [MASK] is {@link ByteTokenizer#MASK}, random tokens are bytes. */
    public MaskedLmBatches(TokenDataset windows, double maskProbability) {
        this(windows, maskProbability, ByteTokenizer.MASK, ByteTokenizer.BYTE_VOCAB_SIZE);
    }

    /** @param randomTokens random replacements are drawn from ids 0..randomTokens-1 */
    public MaskedLmBatches(TokenDataset windows, double maskProbability, int maskId, int randomTokens) {
        if (!(maskProbability > 0 && maskProbability <= 1)) {
            throw new IllegalArgumentException("mask probability must be in (0, 1]: " + maskProbability);
        }
        if (maskId < 0 || randomTokens < 1) {
            throw new IllegalArgumentException("mask id " + maskId + " and " + randomTokens + " random tokens");
        }
        this.windows = windows;
        this.maskProbability = maskProbability;
        this.maskId = maskId;
        this.randomTokens = randomTokens;
    }

    @Override
    public Batch trainBatch(long seed, long step, int batchSize) {
        return mask(windows.trainBatch(seed, step, batchSize), seed, step);
    }

    @Override
    public Batch validationBatch(int index, int batchSize) {
        return mask(windows.validationBatch(index, batchSize), VALIDATION_SEED, index);
    }

    @Override
    public int validationBatchCount(int batchSize) {
        return windows.validationBatchCount(batchSize);
    }

    /** Masks the inputs of a window batch; its targets are replaced by the original tokens at chosen positions. */
    public Batch mask(Batch windowBatch, long seed, long step) {
        int seqLen = windowBatch.seqLen();
        int[] inputs = windowBatch.inputs().clone();
        int[] targets = new int[inputs.length];
        float[] weights = new float[inputs.length];
        Arrays.fill(targets, Batch.IGNORED_TARGET);
        for (int row = 0; row < windowBatch.batchSize(); row++) {
            SplittableRandom random = Seeds.random(MASK_STREAM, seed, step, row);
            int offset = row * seqLen;
            boolean anyChosen = false;
            for (int t = 0; t < seqLen; t++) {
                if (random.nextDouble() < maskProbability) {
                    corrupt(offset + t, inputs, targets, weights, random);
                    anyChosen = true;
                }
            }
            if (!anyChosen) {
                corrupt(offset + random.nextInt(seqLen), inputs, targets, weights, random);
            }
        }
        return new Batch(windowBatch.batchSize(), seqLen, inputs, targets, weights);
    }

    private void corrupt(int position, int[] inputs, int[] targets, float[] weights, SplittableRandom random) {
        targets[position] = inputs[position];
        weights[position] = 1f;
        double replacement = random.nextDouble();
        if (replacement < MASK_TOKEN_SHARE) {
            inputs[position] = maskId;
        } else if (replacement < MASK_TOKEN_SHARE + RANDOM_TOKEN_SHARE) {
            inputs[position] = random.nextInt(randomTokens);
        }
    }
}
