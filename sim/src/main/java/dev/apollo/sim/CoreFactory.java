package dev.apollo.sim;

import dev.apollo.coordinator.core.Core;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.worker.node.TentativeUpdate;
import java.util.function.Consumer;

/**
 * How a simulation gets its coordinator's core, at the start and after every coordinator restart: the production
 * {@link CoordinatorCore} itself, or in tests a deliberately broken wrapper around it, to show the invariants catch
 * what it breaks. The production node always runs around it; a bug planted in the node's handling of replies goes
 * through {@link #inbox}, one in the workers' ring through {@link #fragmentRule}, one in their updates through
 * {@link #tentativeUpdate}.
 */
@FunctionalInterface
public interface CoreFactory {

    /** What reaches the node from the workers, on its way in. */
    @FunctionalInterface
    interface Inbox {
        void deliver(CoordinatorMessage message, Consumer<CoordinatorMessage> node);
    }

    Core start(RunPlan plan, RunSnapshot from);

    /** The inbox of the incarnation whose core {@link #start} returned: as it is, unless a bug is planted. */
    default Inbox inbox(Core core) {
        return (message, node) -> node.accept(message);
    }

    /** A worker's rule for the update of its last step: the production one, unless a bug is planted. */
    default TentativeUpdate<SimReplica.State> tentativeUpdate() {
        return new TentativeUpdate<>();
    }

    /** How the workers' rings judge an arriving fragment: the production rule, unless a bug is planted. */
    default SimRing.FragmentRule fragmentRule() {
        return SimRing.FragmentRule.PRODUCTION;
    }

    static CoreFactory real() {
        return CoordinatorCore::new;
    }
}
