package dev.apollo.protocol;

import java.util.List;

/**
 * A stage begins at {@code step}: the {@code toWeights} new layer slots take copies of old slots,
 * new slot j from old slot {@code sourceOfSlot.get(j)} (weights and, by the configured policy, optimizer moments).
 */
public record ExpandWeights(long step, int fromWeights, int toWeights, List<Integer> sourceOfSlot) implements CoreCommand {

    public ExpandWeights {
        sourceOfSlot = List.copyOf(sourceOfSlot);
    }
}
