package dev.apollo.sim;

/** What the invariant checker may see of the simulated workers: the states they hold. */
public interface ReplicaView {

    /** False once a worker has crashed, been released or been declared dead and replaced. */
    boolean alive(String worker);

    /** The digest of the state (step, weights) the worker holds, or null if it holds none. */
    Long digest(String worker, long step, int weights);
}
