package dev.apollo.coordinator.node;

import dev.apollo.config.ClusterConfig;

/**
 * The node's deadlines, in nanoseconds of its clock (real or virtual).
 *
 * @param stepNanos  how long the owners of a step attempt have to answer it
 * @param phaseNanos how long a worker has to answer anything else it was asked
 * @param joinNanos  how long the run waits below the minimum of workers before it fails; 0 where no worker can
 *                   join (a single-process run)
 */
public record NodeSettings(long stepNanos, long phaseNanos, long joinNanos) {

    public NodeSettings {
        if (stepNanos <= 0 || phaseNanos <= 0 || joinNanos < 0) {
            throw new IllegalArgumentException("deadlines must be positive (a join wait may be 0): " + stepNanos + ", "
                    + phaseNanos + ", " + joinNanos);
        }
    }

    /** The configured deadlines, for a run that takes new workers. */
    public static NodeSettings of(ClusterConfig cluster) {
        return new NodeSettings(cluster.stepTimeout().toNanos(), cluster.phaseTimeout().toNanos(),
                cluster.joinTimeout().toNanos());
    }

    /** The configured deadlines, for a run whose workers are all there from the start: nothing to wait for. */
    public static NodeSettings withoutJoins(ClusterConfig cluster) {
        return new NodeSettings(cluster.stepTimeout().toNanos(), cluster.phaseTimeout().toNanos(), 0);
    }
}
