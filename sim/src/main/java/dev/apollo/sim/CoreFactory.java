package dev.apollo.sim;

import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.RunSnapshot;
import java.util.List;

/**
 * How a simulation gets its coordinator core, at the start and after every coordinator restart: the production
 * {@link CoordinatorCore} itself, or in tests a deliberately broken wrapper around it, to show the invariants catch
 * what it breaks.
 */
@FunctionalInterface
public interface CoreFactory {

    /** The core's one entry point, as the simulator drives it. */
    @FunctionalInterface
    interface Core {
        List<CoreCommand> on(CoreEvent event);
    }

    Core start(RunPlan plan, RunSnapshot from);

    static CoreFactory real() {
        return (plan, from) -> new CoordinatorCore(plan, from)::on;
    }
}
