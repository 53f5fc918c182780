package dev.apollo.protocol;

/**
 * Micro-batches [firstMicroBatch, firstMicroBatch + microBatches) of a step's global batch, assigned to one worker.
 * The global batch, its cut into micro-batches and their order depend on the seed and step alone; membership only
 * decides who computes which micro-batches, never what they sum to.
 */
public record Shard(String workerId, int firstMicroBatch, int microBatches) {}
