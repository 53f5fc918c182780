package dev.apollo.sim;

import java.util.Arrays;

/**
 * One worker's part in the ring all-reduce of one step attempt. The gradient is cut into one chunk per worker;
 * in n-1 reduce-scatter phases each worker passes a chunk to its successor, which adds its own, and in n-1
 * all-gather phases the reduced chunks go round once more, so every worker ends with the whole sum. Phase k of
 * worker i sends chunk (i - k) mod n, then (i + 1 - k') mod n in the all-gather (k' = k - (n - 1)).
 *
 * <p>The network may deliver a predecessor's chunks twice or out of order: each phase is taken once, in order, and
 * only after this worker has sent the phase before (which needs its own gradient).
 */
final class RingAllReduce {

    /** Sends {@code values} (this worker's chunk for {@code phase}) to the successor in the ring. */
    interface Successor {
        void send(int phase, long[] values);
    }

    private final int size;
    private final int position;
    private final long[] buffer = new long[SimData.GRADIENT_ELEMENTS];
    private final long[][] received;
    private boolean contributed;
    private int nextPhase;

    RingAllReduce(int size, int position) {
        this.size = size;
        this.position = position;
        this.received = new long[phases()][];
    }

    private int phases() {
        return 2 * (size - 1);
    }

    /** This worker's own gradient is ready: the ring can start or go on. */
    void contribute(long[] gradient, Successor successor) {
        if (contributed) {
            return;
        }
        System.arraycopy(gradient, 0, buffer, 0, buffer.length);
        contributed = true;
        if (phases() > 0) {
            successor.send(0, chunkToSend(0));
        }
        drain(successor);
    }

    /** The predecessor's chunk for {@code phase}; a duplicate or one already taken changes nothing. */
    void receive(int phase, long[] values, Successor successor) {
        if (phase < nextPhase || phase >= phases() || received[phase] != null) {
            return;
        }
        received[phase] = values;
        drain(successor);
    }

    boolean complete() {
        return contributed && nextPhase == phases();
    }

    /** The reduced gradient, once {@link #complete()}. */
    long[] result() {
        return buffer.clone();
    }

    private void drain(Successor successor) {
        while (contributed && nextPhase < phases() && received[nextPhase] != null) {
            int phase = nextPhase++;
            long[] values = received[phase];
            int from = chunkStart(chunkReceived(phase));
            if (phase < size - 1) {
                for (int i = 0; i < values.length; i++) {
                    buffer[from + i] += values[i];
                }
            } else {
                System.arraycopy(values, 0, buffer, from, values.length);
            }
            if (nextPhase < phases()) {
                successor.send(nextPhase, chunkToSend(nextPhase));
            }
        }
    }

    private int chunkSent(int phase) {
        int shift = phase < size - 1 ? -phase : 1 - (phase - (size - 1));
        return Math.floorMod(position + shift, size);
    }

    private int chunkReceived(int phase) {
        int shift = phase < size - 1 ? -1 - phase : -(phase - (size - 1));
        return Math.floorMod(position + shift, size);
    }

    private long[] chunkToSend(int phase) {
        int chunk = chunkSent(phase);
        return Arrays.copyOfRange(buffer, chunkStart(chunk), chunkStart(chunk + 1));
    }

    private int chunkStart(int chunk) {
        return chunk * buffer.length / size;
    }
}
