package dev.apollo.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MaskedLmBatchesTest {
    private static final int SEQ_LEN = 128;
    private static final int BATCH_SIZE = 32;
    private static final double MASK_PROBABILITY = 0.15;
    private static final long SEED = 42;

    private final byte[] corpus = ("The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. ")
            .repeat(3000).getBytes(StandardCharsets.US_ASCII);
    private final TokenDataset windows = new TokenDataset(corpus, SEQ_LEN, 0.1);
    private final MaskedLmBatches bert = new MaskedLmBatches(windows, MASK_PROBABILITY);

    @Test
    void masksAboutFifteenPercentSplitEightyTenTen() {
        long positions = 0;
        long chosen = 0;
        long masked = 0;
        long randomized = 0;
        long unchanged = 0;
        for (long step = 0; step < 20; step++) {
            Batch original = windows.trainBatch(SEED, step, BATCH_SIZE);
            Batch batch = bert.trainBatch(SEED, step, BATCH_SIZE);
            for (int i = 0; i < batch.inputs().length; i++) {
                positions++;
                if (batch.targets()[i] == Batch.IGNORED_TARGET) {
                    assertEquals(0f, batch.targetWeights()[i]);
                    assertEquals(original.inputs()[i], batch.inputs()[i], "unchosen positions keep their token");
                    continue;
                }
                chosen++;
                assertEquals(1f, batch.targetWeights()[i]);
                assertEquals(original.inputs()[i], batch.targets()[i], "the target is the original token");
                int input = batch.inputs()[i];
                if (input == ByteTokenizer.MASK) {
                    masked++;
                } else if (input == original.inputs()[i]) {
                    unchanged++;
                } else {
                    assertTrue(input >= 0 && input < ByteTokenizer.BYTE_VOCAB_SIZE);
                    randomized++;
                }
            }
        }
        assertEquals(MASK_PROBABILITY, (double) chosen / positions, 0.01);
        assertEquals(0.8, (double) masked / chosen, 0.02);
        // A random byte equals the original 1 time in 256, which moves a sliver from "random" to "unchanged".
        assertEquals(0.1, (double) randomized / chosen, 0.02);
        assertEquals(0.1, (double) unchanged / chosen, 0.02);
    }

    @Test
    void everyRowPredictsAtLeastOnePosition() {
        MaskedLmBatches sparse = new MaskedLmBatches(windows, 0.001);
        for (long step = 0; step < 5; step++) {
            Batch batch = sparse.trainBatch(SEED, step, BATCH_SIZE);
            for (int row = 0; row < BATCH_SIZE; row++) {
                int[] rowTargets = Arrays.copyOfRange(batch.targets(), row * SEQ_LEN, (row + 1) * SEQ_LEN);
                assertTrue(Arrays.stream(rowTargets).anyMatch(target -> target != Batch.IGNORED_TARGET),
                        "step " + step + " row " + row + " has no prediction");
            }
        }
    }

    @Test
    void masksAreDeterministicBySeedAndStep() {
        Batch batch = bert.trainBatch(SEED, 7, BATCH_SIZE);
        Batch fresh = new MaskedLmBatches(new TokenDataset(corpus, SEQ_LEN, 0.1), MASK_PROBABILITY)
                .trainBatch(SEED, 7, BATCH_SIZE);

        TokenDatasetTest.assertBatchEquals(batch, bert.trainBatch(SEED, 7, BATCH_SIZE));
        TokenDatasetTest.assertBatchEquals(batch, fresh);
        Batch sameWindows = windows.trainBatch(SEED, 7, BATCH_SIZE);
        assertFalse(Arrays.equals(batch.targets(), bert.mask(sameWindows, SEED + 1, 7).targets()),
                "another seed masks the same windows differently");
        assertFalse(Arrays.equals(batch.targets(), bert.mask(sameWindows, SEED, 8).targets()),
                "another step masks the same windows differently");
    }

    @Test
    void validationBatchesHaveFixedMasks() {
        assertEquals(windows.validationBatchCount(4), bert.validationBatchCount(4));
        Batch first = bert.validationBatch(1, 4);

        TokenDatasetTest.assertBatchEquals(first, bert.validationBatch(1, 4));
        assertTrue(first.predictedTokens() > 0 && first.predictedTokens() < first.inputs().length);
    }

    @Test
    void rejectsMaskProbabilitiesOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new MaskedLmBatches(windows, 0));
        assertThrows(IllegalArgumentException.class, () -> new MaskedLmBatches(windows, 1.5));
    }
}
