package dev.apollo.worker.cluster;

import dev.apollo.protocol.PlaneTags;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.TensorStateCodec;
import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.StateLink;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * States across processes: over the tensor plane, tagged by boundary and round; the control messages go without
 * them. Checkpoints go to the coordinator, which writes them from this copy.
 */
final class PlaneStateLink implements StateLink {

    private final TensorPlane plane;
    private final Endpoint coordinator;
    private final PeerEndpoints peers;
    private final Duration timeout;
    private final Predicate<RunSnapshot> seeded;

    /** {@code seeded} says which snapshot this worker builds from the seed: the run's start, when it is that. */
    PlaneStateLink(TensorPlane plane, Endpoint coordinator, PeerEndpoints peers, Duration timeout,
            Predicate<RunSnapshot> seeded) {
        this.plane = plane;
        this.seeded = seeded;
        this.peers = peers;
        this.coordinator = coordinator;
        this.timeout = timeout;
    }

    @Override
    public TensorState pushed(PushState push) {
        return TensorStateCodec.decode(plane.receive(PlaneTags.state(push.step(), push.round()), timeout));
    }

    // The answer goes first: a state larger than the receiver's window moves only while the receiver takes it,
    // and the coordinator takes it when the answer arrives.
    @Override
    public void pulled(PullState pull, TensorState state, Consumer<TensorState> answer) {
        answer.accept(null);
        plane.send(coordinator, PlaneTags.state(pull.step(), pull.round()), TensorStateCodec.encode(state), timeout);
    }

    @Override
    public TensorState restored(RunSnapshot snapshot) {
        return seeded.test(snapshot) ? null
                : TensorStateCodec.decode(plane.receive(PlaneTags.restore(snapshot.nextStep()), timeout));
    }

    @Override
    public void give(SyncState sync, TensorState state) {
        ByteBuffer bytes = TensorStateCodec.encode(state);
        for (String target : sync.targets()) {
            plane.send(peers.of(target, "admitting " + target + " at step " + sync.step()),
                    PlaneTags.sync(sync.step()), bytes, timeout);
        }
    }

    @Override
    public TensorState take(SyncState sync) {
        return TensorStateCodec.decode(plane.receive(PlaneTags.sync(sync.step()), timeout));
    }

    @Override
    public void checkpoint(RunSnapshot snapshot, TensorState state, Consumer<String> answer) {
        answer.accept("");
        plane.send(coordinator, PlaneTags.checkpoint(snapshot.nextStep()), TensorStateCodec.encode(state), timeout);
    }
}
