package dev.apollo.sim;

/** A broken invariant of a run: which one and, in one line, what was seen. */
public record Violation(Invariant invariant, String detail) {

    public enum Invariant {
        /** Steps run and are recorded once each, in order: no step applied twice or skipped. */
        STEP_ORDER,
        /** Weights expand exactly at the schedule's stage starts, by the configured copy map. */
        EXPANSION,
        /** Every step runs at the plan's depth for (seed, step), through the configured sharing map. */
        DEPTH,
        /** Shards cover the global batch exactly once, owned by members admitted before the step began. */
        SHARDS,
        /** A step's recorded loss is the mean over exactly its global batch: no shard lost or counted twice. */
        LOSS,
        /** Recorded tokens and FLOPs are the sums over the steps run. */
        ACCOUNTING,
        /** The run ends with FinishRun after its last step, and nothing follows. */
        COMPLETION
    }
}
