package dev.apollo.sim;

import dev.apollo.worker.node.TentativeUpdate;

/**
 * A simulated worker's replica, as a real one holds it: one state (a digest, labelled with the boundary it belongs
 * to: the state before {@code step} with {@code weights} real layers) and the tentative update of the step trained
 * last, applied or dropped by the production {@link TentativeUpdate} rule.
 */
final class SimReplica {

    /** A state and the boundary it belongs to. */
    record State(long step, int weights, long digest) {}

    /** Told of every state the replica takes on by an update, and why, for the invariant checker. */
    interface Updates {
        void applied(State state, Object cause);
    }

    private final TentativeUpdate<State> tentative;
    private final Updates updates;
    private State held;

    SimReplica(TentativeUpdate<State> tentative, Updates updates) {
        this.tentative = tentative;
        this.updates = updates;
    }

    /** The digest of the state at (step, weights), held or about to be by its tentative update; null if neither. */
    Long digest(long step, int weights) {
        State pending = tentative.peek();
        if (pending != null && pending.step() == step && pending.weights() == weights) {
            return pending.digest();
        }
        return held != null && held.step() == step && held.weights() == weights ? held.digest() : null;
    }

    /**
     * Before training {@code step}: the state a real replica would train from, whatever its label (a held update
     * applied or dropped by the rule first); null if it holds none with these weights.
     */
    State beforeStep(long step, int weights) {
        apply(tentative.before(step), "the update of the step before " + step);
        return held != null && held.weights() == weights ? held : null;
    }

    /** Before any other use of the state at {@code step}: as the rule says; the state if it is the one asked for. */
    Long current(long step, int weights) {
        apply(tentative.before(step), "the update of the step before " + step);
        return held != null && held.step() == step && held.weights() == weights ? held.digest() : null;
    }

    /**
     * What a real worker sends when asked for its state at {@code step} (for an expansion): whatever it holds there,
     * at any weights. One that already took the expansion's state sends that one back.
     */
    Long exported(long step) {
        apply(tentative.before(step), "the update of the step before " + step);
        return held != null && held.step() == step ? held.digest() : null;
    }

    /** The update of {@code step}, tentative until the run moves on. */
    void trained(long step, State after) {
        tentative.hold(step, after);
    }

    /** A whole new state (restored, copied, expanded): whatever update was held no longer applies. */
    void replace(State state) {
        tentative.drop();
        held = state;
    }

    void clear() {
        tentative.drop();
        held = null;
    }

    private void apply(State state, Object cause) {
        if (state != null) {
            held = state;
            updates.applied(state, cause);
        }
    }
}
