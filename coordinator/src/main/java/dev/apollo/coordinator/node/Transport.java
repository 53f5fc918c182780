package dev.apollo.coordinator.node;

import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.WorkerMessage;

/**
 * How the coordinator node reaches its workers: Pekko and the tensor plane in a real run, the simulated network in
 * the simulator. Delivery may be late, duplicated or never (a dead worker); the node's deadlines cover that.
 *
 * @param <S> what a replica's state is on this transport: tensors in a real run, a digest in the simulator
 */
public interface Transport<S> {

    /** A command for one worker, on the control plane. */
    void send(String workerId, WorkerMessage message);

    /**
     * Tells {@code workerId} to restore the state {@code restore} names, and gives it that state unless the worker
     * builds it itself (the seed's start) or reads it where it is.
     */
    void restore(String workerId, RestoreState restore);

    /** The expanded state of expansion {@code round}, for one holder: {@code weights} real layers before {@code step}. */
    void push(String workerId, long step, long round, int weights, S state);

    /**
     * {@code workerId} is declared dead: it is out of the run for good (a process that comes back joins under a new
     * id), and must learn so if it is still running, so that no two processes act as the same member.
     */
    void down(String workerId);

    /**
     * Writes the checkpoint at {@code snapshot} from the canonical state {@code workerId} sent on the tensor plane,
     * whole or not at all, and says where it went; throws with the reason if it cannot.
     */
    String writeCheckpoint(String workerId, RunSnapshot snapshot) throws Exception;
}
