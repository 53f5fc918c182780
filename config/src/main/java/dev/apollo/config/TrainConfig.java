package dev.apollo.config;

/** Run length, global batch (sequences a step), seed, and the evaluation, checkpoint and logging cadence. */
public record TrainConfig(
        long steps,
        int batchSize,
        int microBatchSize,
        long seed,
        int evalEvery,
        int evalBatches,
        int checkpointEvery) {

    /** Micro-batches in a step's global batch: the units workers share; 0 as micro-batch-size means one. */
    public int microBatches() {
        return microBatchSize == 0 ? 1 : batchSize / microBatchSize;
    }

    /** Sequences in one micro-batch. */
    public int microBatchRows() {
        return microBatchSize == 0 ? batchSize : microBatchSize;
    }
}
