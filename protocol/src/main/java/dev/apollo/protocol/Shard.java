package dev.apollo.protocol;

/**
 * Rows [firstRow, firstRow + rowCount) of a step's global batch, assigned to one worker. The global batch and its
 * order depend on the seed and step alone; membership only decides who computes which rows.
 */
public record Shard(String workerId, int firstRow, int rowCount) {}
