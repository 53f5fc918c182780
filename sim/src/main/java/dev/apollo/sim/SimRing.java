package dev.apollo.sim;

import dev.apollo.tensor.RingExchange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One simulated worker's part in the ring all-reduce of one step attempt: the production {@link RingExchange}
 * (the tensor plane's schedule and fragment rule) run over {@code long[]} values and the simulated network. What
 * the plane leaves in its Aeron log for later, this keeps in a list and offers again after each fragment taken.
 */
final class SimRing {

    /** At most this many values a fragment, so that a part travels as one or several fragments. */
    static final int FRAGMENT_ELEMENTS = 4;

    /** A ring chunk on the wire, as the plane's frame header and payload carry it. */
    record Fragment(long tag, int step, int sender, int position, int total, long[] values) {}

    /** Sends a fragment to the successor in the ring. */
    interface Successor {
        void send(Fragment fragment);
    }

    /** How an arriving fragment is judged: by the production rule, unless a bug is planted in the simulation. */
    @FunctionalInterface
    interface FragmentRule {
        RingExchange.Verdict judge(RingExchange exchange, Fragment fragment);

        FragmentRule PRODUCTION = (exchange, fragment) -> exchange.offer(fragment.tag(), fragment.step(),
                fragment.sender(), fragment.position(), fragment.total(), fragment.values().length);
    }

    private final RingExchange exchange = new RingExchange();
    private final long[] values = new long[SimData.GRADIENT_ELEMENTS];
    private final List<Fragment> deferred = new ArrayList<>();
    private final long tag;
    private final int rank;
    private final int size;
    private final FragmentRule rule;
    private boolean contributed;

    SimRing(long tag, int rank, int size, FragmentRule rule) {
        this.tag = tag;
        this.rank = rank;
        this.size = size;
        this.rule = rule;
    }

    /** This worker's own gradient is ready: the exchange starts, with whatever arrived before. */
    void contribute(long[] gradient, long now, Successor successor) {
        if (contributed) {
            return;
        }
        System.arraycopy(gradient, 0, values, 0, values.length);
        contributed = true;
        exchange.start(tag, rank, size, values.length, now);
        progress(now, successor);
    }

    /** A fragment from the predecessor: taken, kept for later, or dropped, as the rule says. */
    void receive(Fragment fragment, long now, Successor successor) {
        if (!contributed) {
            deferred.add(fragment);
            return;
        }
        if (offer(fragment, now) == RingExchange.Verdict.DEFER) {
            deferred.add(fragment);
        }
        progress(now, successor);
    }

    boolean complete() {
        return contributed && exchange.complete();
    }

    /** The reduced gradient, once {@link #complete()}. */
    long[] result() {
        return values.clone();
    }

    /** Sends what is due and takes deferred fragments that are now next, until neither changes anything. */
    private void progress(long now, Successor successor) {
        boolean moved = true;
        while (moved) {
            moved = false;
            while (exchange.sendPending()) {
                int position = exchange.sendPosition();
                int length = Math.min(FRAGMENT_ELEMENTS, exchange.sendEnd() - position);
                successor.send(new Fragment(tag, exchange.step(), rank, position,
                        exchange.sendEnd() - exchange.sendStart(), Arrays.copyOfRange(values, position, position + length)));
                exchange.sent(length, now);
                moved = true;
            }
            for (int i = 0; i < deferred.size() && !moved; i++) {
                RingExchange.Verdict verdict = offer(deferred.get(i), now);
                if (verdict != RingExchange.Verdict.DEFER) {
                    deferred.remove(i--);
                    moved = verdict == RingExchange.Verdict.TAKE;
                }
            }
        }
    }

    private RingExchange.Verdict offer(Fragment fragment, long now) {
        RingExchange.Verdict verdict = rule.judge(exchange, fragment);
        switch (verdict) {
            case TAKE -> take(fragment, now);
            case REFUSE -> throw new IllegalStateException("a simulated peer sent a fragment no honest peer sends: "
                    + exchange.refusal());
            default -> { }
        }
        return verdict;
    }

    /** Moves a fragment's values in where the exchange expects its next ones (honest fragments start there). */
    private void take(Fragment fragment, long now) {
        long[] arrived = fragment.values();
        int position = exchange.receivePosition();
        int length = Math.min(arrived.length, exchange.receiveEnd() - position);
        boolean adds = exchange.adds();
        for (int i = 0; i < length; i++) {
            values[position + i] = adds ? values[position + i] + arrived[i] : arrived[i];
        }
        exchange.took(length, now);
    }
}
