package dev.apollo.worker.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The training view of a tokenized corpus for causal LM: the tokens before {@code trainTokens} are the training
 * split and the rest the held-out validation split (with the byte vocabulary, the last {@code validationFraction}
 * of the bytes). Both splits are cut into packed, non-overlapping windows of seqLen + 1 tokens (inputs are the
 * first seqLen, targets the same shifted by one). Training windows are visited in a per-epoch shuffled order that
 * depends only on (seed, epoch), so a batch depends only on (seed, step, batchSize).
 */
public final class TokenDataset implements BatchSource {
    private final TokenIds tokens;
    private final int seqLen;
    private final int windowLength;
    private final int trainTokens;
    private final int validationTokens;
    private final int trainWindows;
    private final int validationWindows;
    // Only a cache: recomputed from (seed, epoch) on a miss, so batches stay pure functions of their arguments.
    private volatile EpochOrder currentOrder;

    /**
     * The byte vocabulary's view of a corpus.
     *
     * @param corpus the corpus bytes; the dataset keeps (does not copy) the array, so it must not change afterwards
     * @throws DataError if the corpus is shorter than {@link #minimumBytes(int, double)}
     */
    public TokenDataset(byte[] corpus, int seqLen, double validationFraction) {
        this(TokenIds.ofBytes(corpus), checkedTrainBytes(corpus, seqLen, validationFraction), seqLen);
    }

    /**
     * @param tokens      the whole corpus's ids, kept (not copied)
     * @param trainTokens where the validation split begins
     * @throws DataError if either split holds less than one window of seqLen + 1 tokens
     */
    public TokenDataset(TokenIds tokens, int trainTokens, int seqLen) {
        this.tokens = tokens;
        this.seqLen = seqLen;
        this.windowLength = seqLen + 1;
        this.trainTokens = trainTokens;
        this.validationTokens = tokens.length() - trainTokens;
        if (trainTokens < windowLength || validationTokens < windowLength) {
            throw new DataError("corpus too small: " + trainTokens + " training and " + validationTokens
                    + " validation tokens, need at least " + windowLength + " in each for one sequence of seq-len "
                    + seqLen);
        }
        this.trainWindows = trainTokens / windowLength;
        this.validationWindows = validationTokens / windowLength;
    }

    private static int checkedTrainBytes(byte[] corpus, int seqLen, double validationFraction) {
        long minimum = minimumBytes(seqLen, validationFraction);
        if (corpus.length < minimum) {
            throw new DataError("corpus too small: " + corpus.length + " bytes, need at least " + minimum
                    + " for one training and one validation sequence of seq-len " + seqLen);
        }
        return (int) (corpus.length - validationSplitBytes(corpus.length, validationFraction));
    }

    /** Smallest corpus with at least one window (seqLen + 1 bytes) in each split. */
    public static long minimumBytes(int seqLen, double validationFraction) {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("seq-len must be positive: " + seqLen);
        }
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1): " + validationFraction);
        }
        long window = seqLen + 1L;
        // Lower bounds from round(n * f) >= window and n - round(n * f) >= window; both sides only grow with n,
        // so stepping up from a bound finds the exact minimum in a few iterations.
        long bytes = Math.max(2 * window, Math.max(
                (long) Math.floor((window - 0.5) / validationFraction) - 1,
                (long) Math.floor((window - 0.5) / (1 - validationFraction)) - 1));
        while (validationSplitBytes(bytes, validationFraction) < window
                || bytes - validationSplitBytes(bytes, validationFraction) < window) {
            bytes++;
        }
        return bytes;
    }

    /** The held-out tail of a corpus of {@code corpusBytes}: everything before it is the training split. */
    public static long validationSplitBytes(long corpusBytes, double validationFraction) {
        return Math.round(corpusBytes * validationFraction);
    }

    public int seqLen() {
        return seqLen;
    }

    /** Tokens in the training split; the validation split starts at this token index. */
    public long trainTokens() {
        return trainTokens;
    }

    /** Tokens in the validation split (the tail of the corpus). */
    public long validationTokens() {
        return validationTokens;
    }

    /** Training windows per epoch; the last trainTokens % (seqLen + 1) training tokens belong to none. */
    public int trainWindows() {
        return trainWindows;
    }

    public int validationWindows() {
        return validationWindows;
    }

    /** The order in which epoch {@code epoch} visits the training windows: a permutation of 0..trainWindows-1. */
    public int[] trainWindowOrder(long seed, long epoch) {
        return orderOf(seed, epoch).clone();
    }

    /** Rows are global samples step * batchSize + j; sample i is window order(i / windows)[i % windows]. */
    @Override
    public Batch trainBatch(long seed, long step, int batchSize) {
        requirePositiveBatchSize(batchSize);
        if (step < 0) {
            throw new IllegalArgumentException("step must not be negative: " + step);
        }
        long firstSample = Math.multiplyExact(step, (long) batchSize);
        Batch batch = emptyBatch(batchSize);
        for (int row = 0; row < batchSize; row++) {
            long sample = firstSample + row;
            int window = orderOf(seed, sample / trainWindows)[(int) (sample % trainWindows)];
            copyWindow((long) window * windowLength, row, batch);
        }
        return batch;
    }

    /** Rows are validation windows index * batchSize + j, wrapping around to the first window when they run out. */
    @Override
    public Batch validationBatch(int index, int batchSize) {
        requirePositiveBatchSize(batchSize);
        if (index < 0) {
            throw new IllegalArgumentException("validation batch index must not be negative: " + index);
        }
        Batch batch = emptyBatch(batchSize);
        for (int row = 0; row < batchSize; row++) {
            long window = ((long) index * batchSize + row) % validationWindows;
            copyWindow(trainTokens + window * windowLength, row, batch);
        }
        return batch;
    }

    @Override
    public int validationBatchCount(int batchSize) {
        requirePositiveBatchSize(batchSize);
        return (validationWindows + batchSize - 1) / batchSize;
    }

    private int[] orderOf(long seed, long epoch) {
        EpochOrder order = currentOrder;
        if (order == null || order.seed() != seed || order.epoch() != epoch) {
            order = new EpochOrder(seed, epoch, shuffledWindows(seed, epoch));
            currentOrder = order;
        }
        return order.windows();
    }

    /** Fisher–Yates shuffle of the window indices. */
    private int[] shuffledWindows(long seed, long epoch) {
        int[] windows = new int[trainWindows];
        Arrays.setAll(windows, i -> i);
        SplittableRandom random = Seeds.random(seed, epoch);
        for (int i = windows.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swapped = windows[i];
            windows[i] = windows[j];
            windows[j] = swapped;
        }
        return windows;
    }

    private Batch emptyBatch(int batchSize) {
        int cells = Math.multiplyExact(batchSize, seqLen);
        float[] weights = new float[cells];
        Arrays.fill(weights, 1f);
        return new Batch(batchSize, seqLen, new int[cells], new int[cells], weights);
    }

    private void copyWindow(long start, int row, Batch batch) {
        int from = (int) start;
        int offset = row * seqLen;
        for (int t = 0; t < seqLen; t++) {
            batch.inputs()[offset + t] = tokens.get(from + t);
            batch.targets()[offset + t] = tokens.get(from + t + 1);
        }
    }

    private static void requirePositiveBatchSize(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
    }

    private record EpochOrder(long seed, long epoch, int[] windows) {}
}
