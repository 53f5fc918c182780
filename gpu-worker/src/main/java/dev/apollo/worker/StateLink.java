package dev.apollo.worker;

import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.checkpoint.CheckpointStore;
import java.util.function.Consumer;

/**
 * How whole states travel between a worker and its coordinator: inside the messages when both live in one process;
 * over the tensor plane across processes (Artery frames are at most 256 KiB, so no tensor goes through Pekko), the
 * messages then carrying no state.
 */
public interface StateLink {

    /** The state a {@link PushState} brings. */
    TensorState pushed(PushState push) throws Exception;

    /**
     * Answers {@code pull} with {@code state}: {@code answer} gets what the {@code StatePulled} carries (the state,
     * or null when it goes apart, in which case it is sent after the answer, which tells the coordinator to take it).
     */
    void pulled(PullState pull, TensorState state, Consumer<TensorState> answer) throws Exception;

    /**
     * Writes the checkpoint of {@code state} at {@code snapshot}, or hands it to the coordinator, which writes it
     * from this canonical copy; {@code answer} gets its location, or "" when the coordinator writes it (the state is
     * then sent after the answer).
     */
    void checkpoint(RunSnapshot snapshot, TensorState state, Consumer<String> answer) throws Exception;

    /**
     * The state to restore at {@code snapshot} when it comes from the coordinator, or null when the worker builds it
     * itself ({@link Replicas#at}).
     */
    TensorState restored(RunSnapshot snapshot) throws Exception;

    /** Sends {@code state} to the workers {@code sync} admits; this worker is its source. */
    void give(SyncState sync, TensorState state) throws Exception;

    /** The state {@code sync}'s source gives this worker, one of its targets. */
    TensorState take(SyncState sync) throws Exception;

    /** One process: states ride in the messages and checkpoints go to {@code checkpoints}. */
    static StateLink inProcess(CheckpointStore checkpoints) {
        return new StateLink() {
            @Override
            public TensorState pushed(PushState push) {
                return push.state();
            }

            @Override
            public void pulled(PullState pull, TensorState state, Consumer<TensorState> answer) {
                answer.accept(state);
            }

            @Override
            public void checkpoint(RunSnapshot snapshot, TensorState state, Consumer<String> answer) throws Exception {
                answer.accept(checkpoints.write(snapshot, state).toString());
            }

            @Override
            public TensorState restored(RunSnapshot snapshot) {
                return null;
            }

            @Override
            public void give(SyncState sync, TensorState state) {
                throw alone();
            }

            @Override
            public TensorState take(SyncState sync) {
                throw alone();
            }

            private IllegalStateException alone() {
                return new IllegalStateException("giving the state to another worker needs the cluster's tensor "
                        + "plane; this process runs one worker");
            }
        };
    }
}
