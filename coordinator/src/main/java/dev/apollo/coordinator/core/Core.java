package dev.apollo.coordinator.core;

import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import java.util.List;

/**
 * The coordinator's logic as the node drives it: one event in, the commands it causes out. {@link CoordinatorCore}
 * is the one implementation; the simulator's tests wrap it to plant bugs.
 */
@FunctionalInterface
public interface Core {

    List<CoreCommand> on(CoreEvent event);
}
