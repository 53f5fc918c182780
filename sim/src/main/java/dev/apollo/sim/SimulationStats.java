package dev.apollo.sim;

import java.util.EnumMap;
import java.util.Map;

/** What happened to a simulated run: faults injected, network trouble, and the recovery the core went through. */
public final class SimulationStats {

    private final Map<FaultKind, Integer> faults = new EnumMap<>(FaultKind.class);
    private long partitionRetries;
    private long expelled;
    private long superseded;
    private long rollbacks;

    void fault(FaultKind kind) {
        faults.merge(kind, 1, Integer::sum);
    }

    /** A message met a partition and waits to be sent again. */
    void partitionRetry() {
        partitionRetries++;
    }

    /** A live worker missed a deadline (cut off, or slowed past it), was declared dead and learned so. */
    void workerExpelled() {
        expelled++;
    }

    /** A step attempt was replaced by a new one. */
    void attemptSuperseded() {
        superseded++;
    }

    /** The core went back to its last checkpoint because no member held the state any more. */
    void rolledBack() {
        rollbacks++;
    }

    /**
     * Faults by kind: the events of the fault plan that fired, and for the network kinds the messages they touched
     * (lost and retransmitted, delivered twice, overtaken by a later one).
     */
    public Map<FaultKind, Integer> faults() {
        return new EnumMap<>(faults);
    }

    public long partitionRetries() {
        return partitionRetries;
    }

    public long expelled() {
        return expelled;
    }

    public long superseded() {
        return superseded;
    }

    public long rollbacks() {
        return rollbacks;
    }
}
