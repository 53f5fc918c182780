package dev.apollo.config;

/** Run length, global batch (sequences a step), seed, and the evaluation, checkpoint and logging cadence. */
public record TrainConfig(
        long steps,
        int batchSize,
        long seed,
        int evalEvery,
        int evalBatches,
        int checkpointEvery) {}
