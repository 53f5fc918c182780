package dev.apollo.protocol;

import java.util.List;

/**
 * The classes that cross processes, in the one order every JVM of a cluster registers them: a class's position in
 * {@link #CLASSES} is its wire id, so two nodes agree on ids exactly when they hold the same list.
 *
 * <p>Listed: every {@link WorkerMessage}, {@link CoordinatorMessage} and {@link ControlMessage}, and the types their fields hold at run time
 * that are neither primitives, their boxes nor {@code String} ({@link Shard}, {@link RunSnapshot}, and the two
 * classes {@code List.copyOf} returns). Not listed, on purpose: {@link TensorState} and {@link NamedTensor} (tensors
 * go over the tensor plane; {@link PushState} and {@link StatePulled} cross with a null {@code state}), and the
 * core's own events and commands that never leave the coordinator.
 *
 * <p>Rules: a new class goes at the END of the list (ids of the others stay); nothing is removed or reordered; and
 * {@link #PROTOCOL_VERSION} goes up by one with any change to the list or to the fields of a listed record, so that
 * nodes built from different lists refuse each other at join instead of misreading each other's bytes.
 */
public final class WireRegistry {

    /**
     * Bump on any change to {@link #CLASSES} or to the components of a record in it. 2: the join handshake; 3:
     * {@link StepCompleted#skipped()} and an operator's {@link LeaveOrdered}.
     */
    public static final int PROTOCOL_VERSION = 3;

    /** Wire id i is {@code CLASSES.get(i)}; append only (the trailing comma makes that a one-line change). */
    public static final List<Class<?>> CLASSES = List.of(new Class<?>[] {
            // coordinator -> worker
            RunStep.class,
            Evaluate.class,
            WriteCheckpoint.class,
            PullState.class,
            PushState.class,
            SyncState.class,
            RestoreState.class,
            ReleaseWorker.class,
            // worker -> coordinator
            StepCompleted.class,
            StepStalled.class,
            EvaluationCompleted.class,
            CheckpointCompleted.class,
            StatePulled.class,
            StatePushed.class,
            StateSynced.class,
            StateRestored.class,
            WorkerFailed.class,
            // field types
            Shard.class,
            RunSnapshot.class,
            List.of().getClass(), // what List.copyOf returns for 0 or more than 2 elements (ImmutableCollections.ListN)
            List.of(0).getClass(), // ... and for 1 or 2 elements (ImmutableCollections.List12)
            // the join handshake (version 2)
            JoinOffer.class,
            JoinAccepted.class,
            JoinRefused.class,
            PeerDirectory.class,
            PeerDirectory.Peer.class,
            LeaveRequested.class,
            // operator -> coordinator -> operator
            LeaveOrdered.class,
            LeaveAnswered.class,
    });

    private WireRegistry() {}
}
