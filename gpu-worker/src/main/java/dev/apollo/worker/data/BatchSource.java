package dev.apollo.worker.data;

/** Where a training loop takes its batches from: GPT windows ({@link TokenDataset}) or BERT ({@link MaskedLmBatches}). */
public interface BatchSource {
    /** The training batch of a step; a pure function of (seed, step, batchSize), so a resumed run sees the same data. */
    Batch trainBatch(long seed, long step, int batchSize);

    /** Validation batch {@code index} of the fixed sequence that starts at the beginning of the validation split. */
    Batch validationBatch(int index, int batchSize);

    /** Batches needed to see every validation window once. */
    int validationBatchCount(int batchSize);
}
