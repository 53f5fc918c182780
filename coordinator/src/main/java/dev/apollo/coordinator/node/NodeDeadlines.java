package dev.apollo.coordinator.node;

import dev.apollo.config.ClusterConfig;

/**
 * The node's deadlines, in nanoseconds of its clock (real or virtual).
 *
 * @param stepNanos  how long the owners of a step attempt have to answer it
 * @param phaseNanos how long a worker has to answer anything else it was asked
 * @param joinNanos  how long the run waits below the minimum of workers before it fails; 0 where no worker can
 *                   join (a single-process run)
 * @param startNanos how long the run waits for the workers it starts with
 */
public record NodeDeadlines(long stepNanos, long phaseNanos, long joinNanos, long startNanos) {

    /** Where a run takes no new workers mid-run (cluster.join-timeout = 0), the wait for its first ones. */
    private static final long START_WITHOUT_JOINS_NANOS = 60_000_000_000L;

    public NodeDeadlines {
        if (stepNanos <= 0 || phaseNanos <= 0 || joinNanos < 0 || startNanos <= 0) {
            throw new IllegalArgumentException("deadlines must be positive (a join wait may be 0): " + stepNanos + ", "
                    + phaseNanos + ", " + joinNanos + ", " + startNanos);
        }
    }

    /** The configured deadlines, for a run that takes new workers: the first ones have the join timeout too. */
    public static NodeDeadlines of(ClusterConfig cluster) {
        long join = cluster.joinTimeout().toNanos();
        return new NodeDeadlines(cluster.stepTimeout().toNanos(), cluster.phaseTimeout().toNanos(), join,
                join == 0 ? START_WITHOUT_JOINS_NANOS : join);
    }

    /** The configured deadlines, for a run whose workers are all there from the start: nothing to wait for. */
    public static NodeDeadlines withoutJoins(ClusterConfig cluster) {
        long phase = cluster.phaseTimeout().toNanos();
        return new NodeDeadlines(cluster.stepTimeout().toNanos(), phase, 0, phase);
    }
}
