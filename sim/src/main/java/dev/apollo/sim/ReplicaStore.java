package dev.apollo.sim;

import java.util.Map;
import java.util.TreeMap;

/**
 * The states one simulated worker holds, by the boundary they belong to: (step, weights) is the state before step
 * {@code step} with {@code weights} real layers (before and after an expansion at a stage start are two states).
 * A worker keeps the state of the previous boundary next to the newest one, so a step re-run as a new attempt
 * starts from the state before it, not from the tentative update of the abandoned attempt. States only move
 * forward, except by a restore (which clears the store first): a late copy of an older state is ignored.
 */
final class ReplicaStore {

    private final TreeMap<Long, Long> digests = new TreeMap<>();

    static long label(long step, int weights) {
        return step << 16 | weights;
    }

    /** The digest of the state at (step, weights), or null if this worker does not hold it. */
    Long get(long step, int weights) {
        return digests.get(label(step, weights));
    }

    void put(long step, int weights, long digest) {
        if (!digests.isEmpty() && step < (digests.lastKey() >> 16) - 1) {
            return;
        }
        digests.put(label(step, weights), digest);
        Map<Long, Long> older = digests.headMap(label(step - 1, 0));
        older.clear();
    }

    void clear() {
        digests.clear();
    }
}
