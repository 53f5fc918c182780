package dev.apollo.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class TokenDatasetTest {
    // 1000 bytes with byte i = i % 251: a window start (known modulo 8) is recoverable from its content.
    private static final int CORPUS_BYTES = 1000;
    private static final int SEQ_LEN = 7;
    private static final int WINDOW = SEQ_LEN + 1;
    private static final double VALIDATION_FRACTION = 0.1;
    private static final long SEED = 1234;

    private final byte[] corpus = patternCorpus(CORPUS_BYTES);
    private final TokenDataset dataset = new TokenDataset(corpus, SEQ_LEN, VALIDATION_FRACTION);

    @Test
    void validationSplitIsTheTailOfTheCorpus() {
        assertEquals(900, dataset.trainTokens());
        assertEquals(100, dataset.validationTokens());
        assertEquals(112, dataset.trainWindows());
        assertEquals(12, dataset.validationWindows());
        for (int index = 0; index < dataset.validationBatchCount(4); index++) {
            Batch batch = dataset.validationBatch(index, 4);
            for (int row = 0; row < 4; row++) {
                assertTrue(windowStart(batch, row, dataset.trainTokens()) >= dataset.trainTokens(),
                        "validation reads only the tail");
            }
        }
    }

    @Test
    void oneEpochOfTrainingVisitsEveryWindowOnceAndNeverTheValidationSplit() {
        int batchSize = 8; // 112 windows = 14 full batches
        BitSet seenWindows = new BitSet();
        for (long step = 0; step < dataset.trainWindows() / batchSize; step++) {
            Batch batch = dataset.trainBatch(SEED, step, batchSize);
            for (int row = 0; row < batchSize; row++) {
                int start = windowStart(batch, row);
                assertEquals(0, start % WINDOW, "windows are packed at multiples of seq-len + 1");
                assertTrue(start + WINDOW <= dataset.trainTokens(), "targets stay inside the training split");
                int window = start / WINDOW;
                assertFalse(seenWindows.get(window), "window " + window + " visited twice in one epoch");
                seenWindows.set(window);
            }
        }
        assertEquals(dataset.trainWindows(), seenWindows.cardinality());
        assertEquals(dataset.trainWindows(), seenWindows.nextClearBit(0), "windows cover the split from byte 0");
        assertTrue(dataset.trainTokens() - (long) dataset.trainWindows() * WINDOW < WINDOW, "only a short tail unused");
    }

    @Test
    void targetsAreTheInputsShiftedByOneAndAllPredicted() {
        Batch batch = dataset.trainBatch(SEED, 3, 5);

        assertEquals(5, batch.batchSize());
        assertEquals(SEQ_LEN, batch.seqLen());
        for (int row = 0; row < 5; row++) {
            int start = windowStart(batch, row);
            for (int t = 0; t < SEQ_LEN; t++) {
                assertEquals(Byte.toUnsignedInt(corpus[start + t + 1]), batch.targets()[row * SEQ_LEN + t]);
            }
        }
        assertEquals(5 * SEQ_LEN, batch.predictedTokens());
        for (float weight : batch.targetWeights()) {
            assertEquals(1f, weight);
        }
    }

    @Test
    void trainBatchIsAPureFunctionOfSeedAndStep() {
        Batch step20 = dataset.trainBatch(SEED, 20, 6);
        dataset.trainBatch(SEED, 0, 6); // moves the cached epoch order elsewhere
        dataset.trainBatch(SEED + 1, 20, 6);
        Batch again = dataset.trainBatch(SEED, 20, 6);
        Batch fresh = new TokenDataset(corpus.clone(), SEQ_LEN, VALIDATION_FRACTION).trainBatch(SEED, 20, 6);

        assertBatchEquals(step20, again);
        assertBatchEquals(step20, fresh);
        assertFalse(Arrays.equals(step20.inputs(), dataset.trainBatch(SEED, 21, 6).inputs()));
        assertFalse(Arrays.equals(step20.inputs(), dataset.trainBatch(SEED + 1, 20, 6).inputs()));
    }

    @Test
    void batchesThatCrossAnEpochBoundaryFollowBothEpochOrders() {
        int batchSize = 10; // step 11 holds samples 110..119: the last 2 windows of epoch 0, the first 8 of epoch 1
        Batch batch = dataset.trainBatch(SEED, 11, batchSize);
        int[] epoch0 = dataset.trainWindowOrder(SEED, 0);
        int[] epoch1 = dataset.trainWindowOrder(SEED, 1);

        for (int row = 0; row < batchSize; row++) {
            long sample = 110 + row;
            int expected = sample < 112 ? epoch0[(int) sample] : epoch1[(int) (sample - 112)];
            assertEquals(expected * WINDOW, windowStart(batch, row));
        }
    }

    @Test
    void epochOrdersArePermutationsThatDependOnSeedAndEpoch() {
        int[] order = dataset.trainWindowOrder(SEED, 0);
        int[] sorted = order.clone();
        Arrays.sort(sorted);

        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertArrayEquals(order, dataset.trainWindowOrder(SEED, 0));
        assertFalse(Arrays.equals(order, dataset.trainWindowOrder(SEED, 1)));
        assertFalse(Arrays.equals(order, dataset.trainWindowOrder(SEED + 1, 0)));
        dataset.trainWindowOrder(SEED, 0)[0] = -1; // a caller's copy must not reach the cache
        assertArrayEquals(order, dataset.trainWindowOrder(SEED, 0));
    }

    @Test
    void validationBatchesAreFixedAndWrapAround() {
        assertEquals(3, dataset.validationBatchCount(5));
        assertEquals(12, dataset.validationBatchCount(1));
        Batch last = dataset.validationBatch(2, 5); // windows 10, 11, then 0, 1, 2 again

        int[] expectedWindows = {10, 11, 0, 1, 2};
        for (int row = 0; row < 5; row++) {
            assertEquals(dataset.trainTokens() + (long) expectedWindows[row] * WINDOW, windowStart(last, row, dataset.trainTokens()));
        }
        assertBatchEquals(last, dataset.validationBatch(2, 5));
    }

    @Test
    void minimumBytesIsExactlyTheSmallestUsableCorpus() {
        for (int seqLen : new int[] {1, 7, 64, 255}) {
            for (double fraction : new double[] {0.01, 0.1, 0.25, 0.5, 0.9}) {
                int minimum = (int) TokenDataset.minimumBytes(seqLen, fraction);
                TokenDataset smallest = new TokenDataset(new byte[minimum], seqLen, fraction);
                assertEquals(1, Math.min(smallest.trainWindows(), smallest.validationWindows()));
                assertThrows(DataError.class, () -> new TokenDataset(new byte[minimum - 1], seqLen, fraction));
            }
        }
    }

    @Test
    void tooSmallCorpusIsADataError() {
        DataError error = assertThrows(DataError.class, () -> new TokenDataset(new byte[84], 8, 0.1));
        assertEquals("corpus too small: 84 bytes, need at least 85 for one training and one validation sequence "
                + "of seq-len 8", error.getMessage());
    }

    private static byte[] patternCorpus(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }

    /** The corpus offset of a training row, found from its first input byte and checked against the whole row. */
    private int windowStart(Batch batch, int row) {
        return windowStart(batch, row, 0);
    }

    /** As above for windows packed from {@code splitStart}; validation windows are packed from the split point. */
    private int windowStart(Batch batch, int row, long splitStart) {
        int first = batch.inputs()[row * SEQ_LEN];
        for (int start = first; start < corpus.length; start += 251) {
            if ((start - splitStart) % WINDOW == 0) {
                for (int t = 0; t < SEQ_LEN; t++) {
                    assertEquals(Byte.toUnsignedInt(corpus[start + t]), batch.inputs()[row * SEQ_LEN + t]);
                }
                return start;
            }
        }
        throw new AssertionError("row " + row + " is not a packed window of the corpus");
    }

    static void assertBatchEquals(Batch expected, Batch actual) {
        assertEquals(expected.batchSize(), actual.batchSize());
        assertEquals(expected.seqLen(), actual.seqLen());
        assertArrayEquals(expected.inputs(), actual.inputs());
        assertArrayEquals(expected.targets(), actual.targets());
        assertArrayEquals(expected.targetWeights(), actual.targetWeights());
    }
}
