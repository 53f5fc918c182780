package dev.apollo.sim;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * The simulated network between nodes (the coordinator and the workers, by index), a reliable but unordered
 * transport as a retransmitting protocol gives: a message leaves its sender's link after the messages before it
 * (bandwidth), arrives a latency later, and with faults on may be lost and retransmitted after a timeout (with
 * back-off), arrive twice, or overtake earlier ones. A message across a partition is retransmitted until the
 * partition heals; one to a dead node, or from a dead node still waiting to retransmit, is gone.
 */
final class Network {

    /** Retransmission timeout, doubled on each retry up to eight times this. */
    static final long RETRANSMIT_NANOS = 200_000;
    /** With reordering on, each message is delayed by up to this many latencies more. */
    static final int REORDER_LATENCIES = 5;

    private final EventQueue queue;
    private final SplittableRandom random;
    private final double bytesPerNano;
    private final long latencyNanos;
    private final double lossProbability;
    private final double duplicateProbability;
    private final boolean reordering;
    private final IntPredicate alive;
    private final SimulationStats stats;
    /** By node: when its link is free again, and until when it is cut off. */
    private long[] linkFreeAt = new long[16];
    private long[] cutOffUntil = new long[16];
    /** By sender, then receiver: the latest arrival so far, to keep each link in order (MIN_VALUE: none yet). */
    private long[][] lastArrival = new long[16][];

    /** {@code lossProbability} and {@code duplicateProbability} per message; 0 turns the fault off. */
    Network(EventQueue queue, SplittableRandom random, ClusterSpec cluster, double lossProbability,
            double duplicateProbability, boolean reordering, IntPredicate alive, SimulationStats stats) {
        this.queue = queue;
        this.random = random;
        this.bytesPerNano = cluster.linkBytesPerSecond() / 1e9;
        this.latencyNanos = Math.max(1, Math.round(cluster.linkLatencySeconds() * 1e9));
        this.lossProbability = lossProbability;
        this.duplicateProbability = duplicateProbability;
        this.reordering = reordering;
        this.alive = alive;
        this.stats = stats;
    }

    /** Cuts {@code node} off from every other node until {@code until} (virtual nanoseconds). */
    void cutOff(int node, long until) {
        grow(node);
        cutOffUntil[node] = Math.max(cutOffUntil[node], until);
    }

    boolean isCutOff(int node) {
        return node < cutOffUntil.length && cutOffUntil[node] > queue.now();
    }

    private void grow(int node) {
        if (node >= linkFreeAt.length) {
            int size = Math.max(node + 1, 2 * linkFreeAt.length);
            linkFreeAt = Arrays.copyOf(linkFreeAt, size);
            cutOffUntil = Arrays.copyOf(cutOffUntil, size);
            lastArrival = Arrays.copyOf(lastArrival, size);
        }
    }

    /** The latest arrivals from {@code from}, by receiver, holding at least {@code to}. */
    private long[] receivers(int from, int to) {
        long[] row = lastArrival[from];
        if (row == null || row.length <= to) {
            int old = row == null ? 0 : row.length;
            row = row == null ? new long[Math.max(16, to + 1)] : Arrays.copyOf(row, Math.max(to + 1, 2 * old));
            Arrays.fill(row, old, row.length, Long.MIN_VALUE);
            lastArrival[from] = row;
        }
        return row;
    }

    /** Sends {@code bytes} from one node to another; {@code deliver} runs at the receiver on arrival. */
    void send(int from, int to, double bytes, Runnable deliver) {
        grow(Math.max(from, to));
        long now = queue.now();
        long departure = Math.max(now, linkFreeAt[from]) + Math.round(bytes / bytesPerNano);
        linkFreeAt[from] = departure;
        long arrival = departure + latencyNanos;
        long timeout = RETRANSMIT_NANOS;
        while (lossProbability > 0 && random.nextDouble() < lossProbability) {
            stats.fault(FaultKind.LOSS);
            arrival += timeout;
            timeout = Math.min(2 * timeout, 8 * RETRANSMIT_NANOS);
        }
        long[] toReceivers = receivers(from, to);
        long latest = toReceivers[to];
        if (reordering) {
            arrival += random.nextLong(REORDER_LATENCIES * latencyNanos + 1);
            if (arrival < latest) {
                stats.fault(FaultKind.REORDER);
            }
        } else {
            arrival = Math.max(arrival, latest); // in order on each link
        }
        toReceivers[to] = Math.max(arrival, latest);
        arrive(from, to, arrival - now, RETRANSMIT_NANOS, false, deliver);
        if (duplicateProbability > 0 && random.nextDouble() < duplicateProbability) {
            stats.fault(FaultKind.DUPLICATE);
            arrive(from, to, arrival - now + 1 + random.nextLong(4 * latencyNanos), RETRANSMIT_NANOS, false, deliver);
        }
    }

    /** A copy arrives after {@code delay}; a retransmitted one only if its sender lived to send it. */
    private void arrive(int from, int to, long delay, long timeout, boolean resent, Runnable deliver) {
        queue.after(delay, () -> {
            if (!alive.test(to) || (resent && !alive.test(from))) {
                return;
            }
            if (isCutOff(from) || isCutOff(to)) {
                stats.partitionRetry();
                arrive(from, to, timeout, Math.min(2 * timeout, 8 * RETRANSMIT_NANOS), true, deliver);
                return;
            }
            deliver.run();
        });
    }
}
