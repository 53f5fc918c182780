package dev.apollo.coordinator.actor;

import dev.apollo.coordinator.node.Transport;
import dev.apollo.protocol.PeerDirectory;
import dev.apollo.protocol.PlaneTags;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.TensorStateCodec;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.TensorPlane;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;

/**
 * The node's transport on a cluster: commands go to worker processes' actors, states on the tensor plane. It holds
 * who is in the run (offered, and once accepted, reachable on the plane); which state goes where is the node's call.
 * Blocking plane transfers run on the calling actor's thread, bounded by {@code transferTimeout}.
 */
final class ClusterTransport implements Transport<TensorState> {

    /** One worker process: its reference, and once it accepted, its tensor endpoint. */
    static final class Worker {
        final ActorRef<WorkerMessage> ref;
        Endpoint endpoint;

        Worker(ActorRef<WorkerMessage> ref) {
            this.ref = ref;
        }
    }

    private final ActorSystem<?> system;
    private final TensorPlane plane;
    private final Duration transferTimeout;
    private final ClusterCoordinatorActor.CheckpointWriter checkpoints;
    private final ClusterCoordinatorActor.CanonicalStates canonical;
    private final RunOutcome outcome;
    /** By id: every worker offered a place and not gone. */
    final Map<String, Worker> workers = new TreeMap<>();
    // every holder gets the same expanded state, every restoring worker the same checkpoint: each encoded once
    private TensorState lastPushed;
    private ByteBuffer lastPushedBytes;
    private RunSnapshot lastRestored;
    private ByteBuffer lastRestoredBytes;

    ClusterTransport(ActorSystem<?> system, TensorPlane plane, Duration transferTimeout,
            ClusterCoordinatorActor.CheckpointWriter checkpoints, ClusterCoordinatorActor.CanonicalStates canonical,
            RunOutcome outcome) {
        this.system = system;
        this.plane = plane;
        this.transferTimeout = transferTimeout;
        this.checkpoints = checkpoints;
        this.canonical = canonical;
        this.outcome = outcome;
    }

    @Override
    public void send(String workerId, WorkerMessage message) {
        Worker worker = workers.get(workerId);
        if (worker == null) {
            return;
        }
        worker.ref.tell(message);
        if (message instanceof ReleaseWorker) {
            workers.remove(workerId); // it goes; its leaving the cluster is no news to the node
        }
    }

    @Override
    public void restore(String workerId, RestoreState restore) {
        Worker worker = workers.get(workerId);
        if (worker != null) {
            worker.ref.tell(restore); // told first: the state moves while it is taken
            sendRestored(workerId, worker, restore.snapshot());
        }
    }

    @Override
    public void push(String workerId, long step, long round, int weights, TensorState state) {
        Worker worker = workers.get(workerId);
        if (worker == null) {
            return;
        }
        if (state != lastPushed) {
            lastPushed = state;
            lastPushedBytes = TensorStateCodec.encode(state);
        }
        // told first: the worker takes the state when told, and a state larger than its window moves only while it does
        worker.ref.tell(new PushState(step, round, weights, null));
        plane.send(worker.endpoint, PlaneTags.state(step, round), lastPushedBytes, transferTimeout);
    }

    @Override
    public void down(String workerId) {
        Worker worker = workers.remove(workerId);
        if (worker != null) {
            Cluster.get(system).manager().tell(new Down(worker.ref.path().address()));
        }
    }

    @Override
    public String writeCheckpoint(String workerId, RunSnapshot snapshot) throws Exception {
        return checkpoints.write(snapshot, receive(PlaneTags.checkpoint(snapshot.nextStep())));
    }

    /** A state a worker sends on the plane under {@code tag}; throws if none arrives in time or it is no state. */
    TensorState receive(long tag) {
        return TensorStateCodec.decode(plane.receive(tag, transferTimeout));
    }

    /** How many workers accepted their place. */
    int accepted() {
        return (int) workers.values().stream().filter(worker -> worker.endpoint != null).count();
    }

    /** Tells every worker that accepted where the others are on the plane. */
    void sendDirectory() {
        List<PeerDirectory.Peer> peers = new ArrayList<>();
        workers.forEach((id, worker) -> {
            if (worker.endpoint != null) {
                peers.add(new PeerDirectory.Peer(id, worker.endpoint.channel(), worker.endpoint.streamId()));
            }
        });
        PeerDirectory directory = new PeerDirectory(peers);
        workers.values().stream().filter(worker -> worker.endpoint != null)
                .forEach(worker -> worker.ref.tell(directory));
    }

    /** The run is over: every worker process still in it may go. */
    void releaseAll() {
        workers.forEach((id, worker) -> worker.ref.tell(new ReleaseWorker(id)));
    }

    /** Sends a restoring worker the state it restores, unless it builds it from the seed. */
    private void sendRestored(String workerId, Worker worker, RunSnapshot snapshot) {
        try {
            if (!snapshot.equals(lastRestored)) {
                TensorState state = canonical.at(snapshot);
                lastRestored = snapshot;
                lastRestoredBytes = state == null ? null : TensorStateCodec.encode(state);
            }
            if (lastRestoredBytes != null) {
                plane.send(worker.endpoint, PlaneTags.restore(snapshot.nextStep()), lastRestoredBytes,
                        transferTimeout);
            }
        } catch (Exception e) {
            outcome.fail("cannot give " + workerId + " the state of step " + snapshot.nextStep() + ": "
                    + e.getMessage());
        }
    }
}
