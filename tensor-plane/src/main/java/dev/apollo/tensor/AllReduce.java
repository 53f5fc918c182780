package dev.apollo.tensor;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Sums vectors of 64-bit integers across the ranks of a ring, in place. Integer addition is associative and
 * commutative, so every rank ends with the same bits whatever the ring's size and order: this is what makes a
 * step's gradient independent of the worker count (gradients travel as fixed-point integers). One interface, so
 * that a GPU collective (NCCL) can be added beside the Aeron ring.
 */
public interface AllReduce {

    /**
     * Replaces {@code values[0, count)} (little-endian int64, a direct buffer) with the element-wise sum over the
     * ring's ranks. {@code tag} names the exchange (the same on every rank, different for each exchange); fragments
     * of other exchanges never mix in. A ring of one rank returns at once.
     *
     * @throws PeerTimeoutException when a peer sends nothing for {@code timeout}
     */
    void sum(Ring ring, long tag, ByteBuffer values, int count, Duration timeout);
}
