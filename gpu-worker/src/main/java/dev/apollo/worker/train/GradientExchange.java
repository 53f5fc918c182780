package dev.apollo.worker.train;

import java.nio.ByteBuffer;

/**
 * How a replica's fixed-point gradient sum becomes the sum over every owner of a step: an all-reduce over the
 * step's ring in a cluster, nothing at all for a worker that computes the whole batch itself.
 */
@FunctionalInterface
public interface GradientExchange {

    /** Sums {@code values[0, count)} (little-endian int64) in place over the owners of the step's attempt. */
    void sum(ByteBuffer values, int count);

    /** The whole batch is this worker's: its sum is the total. */
    GradientExchange ALONE = (values, count) -> { };
}
