package dev.apollo.protocol;

import java.util.List;

/**
 * A stage begins at {@code step}: the {@code toWeights} new layer slots take copies of old slots, new slot j from
 * old slot {@code sourceOfSlot.get(j)} (weights and, by the configured policy, optimizer moments). The coordinator
 * pulls the state from {@code sourceWorker}, expands it and gives it to every one of {@code holders}, the members
 * holding the run's state.
 */
public record ExpandWeights(long step, int fromWeights, int toWeights, List<Integer> sourceOfSlot,
        String sourceWorker, List<String> holders) implements CoreCommand {

    public ExpandWeights {
        sourceOfSlot = List.copyOf(sourceOfSlot);
        holders = List.copyOf(holders);
    }
}
