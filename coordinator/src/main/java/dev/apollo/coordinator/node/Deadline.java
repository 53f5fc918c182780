package dev.apollo.coordinator.node;

/**
 * A deadline the node set: {@code kind} says what it bounds, {@code number} tells it apart from earlier ones of
 * the same kind (only the newest of each kind counts).
 */
public record Deadline(Kind kind, long number) {

    public enum Kind {
        /** The replies owed to the command in flight: a step, evaluation, checkpoint, expansion or admission. */
        REPLIES,
        /** The wait for workers while fewer than the minimum hold the run's state. */
        WORKERS
    }
}
