package dev.apollo.coordinator.node;

/**
 * The node's clock: it asks for a deadline, and the adapter hands the deadline back through
 * {@link CoordinatorNode#onDeadline} once that much time has passed (Pekko's timers in a real run, the virtual
 * clock in the simulator). A deadline the node no longer waits for is ignored when it comes back, so an adapter
 * may but need not cancel it.
 */
public interface Timers {

    void start(Deadline deadline, long delayNanos);
}
