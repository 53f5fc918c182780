package dev.apollo.sim;

/** A broken invariant of a run: which one and, in one line, what was seen. */
public record Violation(Invariant invariant, String detail) {

    public enum Invariant {
        /** Steps run and are recorded once each, in order (after a rollback, again from the restored checkpoint). */
        STEP_ORDER,
        /** Weights expand exactly at the schedule's stage starts, by the configured copy map. */
        EXPANSION,
        /** Every step runs at the plan's depth for (seed, step), through the configured sharing map. */
        DEPTH,
        /**
         * Shards cover the global batch exactly once, at least the minimum of workers take part, and each owner holds
         * the state before the step.
         */
        SHARDS,
        /** Each step's reduced gradient is the sum of exactly the global batch's rows of that step, each once. */
        GRADIENT,
        /** A step's recorded loss is the mean over exactly its global batch. */
        LOSS,
        /**
         * Every replica holds the fault-free run's state after each update, expansion, copy and restore, so all
         * replicas agree; the owners of a recorded step all hold its update.
         */
        REPLICAS,
        /**
         * A checkpoint holds the fault-free state of its step, restoring its snapshot changes nothing, and runs
         * resume only from checkpoints that were written.
         */
        CHECKPOINT,
        /** Recorded tokens and FLOPs are the sums over the steps run. */
        ACCOUNTING,
        /** The run ends with FinishRun after its last step, and nothing follows. */
        COMPLETION
    }
}
