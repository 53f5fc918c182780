package dev.apollo.config;

/**
 * Run length, global batch (sequences a step), seed, the evaluation, checkpoint and logging cadence, and how many
 * steps in a row may be skipped for a non-finite loss or gradient before the run stops.
 */
public record TrainConfig(
        long steps,
        int batchSize,
        int microBatchSize,
        long seed,
        int evalEvery,
        int evalBatches,
        int checkpointEvery,
        int maxSkippedSteps) {

    /** Micro-batches in a step's global batch: the units workers share; 0 as micro-batch-size means one. */
    public int microBatches() {
        return microBatchSize == 0 ? 1 : batchSize / microBatchSize;
    }

    /** Sequences in one micro-batch. */
    public int microBatchRows() {
        return microBatchSize == 0 ? batchSize : microBatchSize;
    }
}
