package dev.apollo.worker;

import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.train.Replica;

/** How a worker builds its replica: at a state a snapshot describes, or holding a state handed to it. */
public interface Replicas {

    /** The replica at {@code snapshot}: the start (from the seed, or the run's initial state), or a checkpoint. */
    Replica at(RunSnapshot snapshot);

    /** The replica holding {@code state}, {@code weights} real layers, copied from a member. */
    Replica holding(int weights, TensorState state);
}
