package dev.apollo.worker.node;

/**
 * A worker's update of the step it trained last, held until the run moves on. An owner may finish a step whose
 * exchange another owner never finished; the coordinator then runs the step again, and may first give a newcomer the
 * state before it, so every owner must still hold that state. Each command names the boundary it acts at (the state
 * before step {@code boundary}): past the held step's boundary, the update is applied first; at it or before, the run
 * went back, and the update is dropped. The real replica holds tensors here, the simulator a digest: both by this
 * rule.
 *
 * @param <U> what an update is: the optimizer's inputs in a real replica, the state after it in the simulator
 */
public class TentativeUpdate<U> {

    private long step = -1;
    private U update;

    /** The update of {@code step}, held until the run moves on. */
    public void hold(long step, U update) {
        this.step = step;
        this.update = update;
    }

    /**
     * Before acting on the state at {@code boundary}: the held update to apply first, or null, either because none
     * is held or because the run is back at (or before) the held step, whose update is then dropped.
     */
    public U before(long boundary) {
        U held = update;
        long of = step;
        drop();
        return held != null && boundary > of ? held : null;
    }

    /** Before a use of the state outside the run's commands (an export when it is over): the held update, or null. */
    public U take() {
        U taken = update;
        drop();
        return taken;
    }

    /** The update held, without applying it; null if none is. */
    public U peek() {
        return update;
    }

    /** The state was replaced (restored, copied, expanded): whatever was held no longer applies. */
    public void drop() {
        update = null;
        step = -1;
    }
}
