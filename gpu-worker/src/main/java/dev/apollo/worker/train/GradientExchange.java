package dev.apollo.worker.train;

import dev.apollo.protocol.RunStep;
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

    /** Where a worker gets each step's exchange: a ring of the step's owners in a cluster. */
    @FunctionalInterface
    interface Steps {

        GradientExchange forStep(RunStep step);

        /** A process with one worker: every step is that worker's alone. */
        Steps ALONE = step -> {
            if (step.shards().size() != 1) {
                throw new IllegalStateException("step " + step.step() + " is shared by " + step.shards().size()
                        + " workers; this process has no tensor plane to sum their gradients");
            }
            return GradientExchange.ALONE;
        };
    }
}
