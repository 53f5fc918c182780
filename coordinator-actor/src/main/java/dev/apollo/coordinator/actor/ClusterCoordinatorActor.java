package dev.apollo.coordinator.actor;

import dev.apollo.cluster.ServiceKeys;
import dev.apollo.config.MomentPolicy;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.expand.Expansion;
import dev.apollo.coordinator.node.CoordinatorNode;
import dev.apollo.coordinator.node.Deadline;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.coordinator.node.Transport;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.JoinAccepted;
import dev.apollo.protocol.JoinOffer;
import dev.apollo.protocol.JoinRefused;
import dev.apollo.protocol.ControlMessage;
import dev.apollo.protocol.LeaveAnswered;
import dev.apollo.protocol.LeaveOrdered;
import dev.apollo.protocol.LeaveRequested;
import dev.apollo.protocol.PeerDirectory;
import dev.apollo.protocol.PlaneTags;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.TensorStateCodec;
import dev.apollo.protocol.WireRegistry;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.TensorPlane;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The Pekko Cluster adapter of the {@link CoordinatorNode}: workers are processes that joined the cluster. It offers
 * each one found through the Receptionist a place in the run, starts the node once {@code workers} have accepted,
 * turns members that leave the cluster into {@link WorkerLeft}, and moves states over the tensor plane (pushes at an
 * expansion, pulls, and the checkpoints it writes from the canonical copy a worker sends). Blocking plane transfers
 * run on this actor's own thread; all coordinator logic is in the node.
 */
public final class ClusterCoordinatorActor {

    /** How the coordinator writes a checkpoint of {@code state} at {@code snapshot}; returns its location. */
    @FunctionalInterface
    public interface CheckpointWriter {
        String write(RunSnapshot snapshot, TensorState state) throws Exception;
    }

    /** What the run offers every worker: its rendered configuration and the corpus's fingerprint. */
    public record Offer(String config, long corpusBytes, String corpusSha256) {}

    /**
     * The canonical state at a snapshot the workers restore: the run's start, or a checkpoint this run wrote; null
     * for the seed's start, which every worker builds itself.
     */
    @FunctionalInterface
    public interface CanonicalStates {
        TensorState at(RunSnapshot snapshot) throws Exception;
    }

    /** Told of every worker that accepted or refused, for the console. */
    public interface JoinListener {
        void accepted(String workerId, String device, int joined, int needed);

        void refused(String workerId, String reason);
    }

    /** The actor's own inputs besides the workers' {@link CoordinatorMessage}s. */
    private sealed interface Input {}

    private record WorkersListed(Receptionist.Listing listing) implements Input {}

    private record MemberRemoved(Address address) implements Input {}

    private record DeadlinePassed(Deadline deadline) implements Input {}

    /** One worker process: its reference, and once it accepted, its tensor endpoint. */
    private static final class Worker {
        final ActorRef<WorkerMessage> ref;
        Endpoint endpoint;

        Worker(ActorRef<WorkerMessage> ref) {
            this.ref = ref;
        }
    }

    private ClusterCoordinatorActor() {}

    /**
     * Runs the plan from {@code start} once {@code workers} processes have accepted (within the deadlines' start
     * wait), and completes {@code outcome} as {@link CoordinatorActor#create} does.
     */
    public static Behavior<Object> create(RunPlan plan, RunSnapshot start, NodeDeadlines deadlines, int workers,
            Offer offer, TensorPlane plane, Duration transferTimeout, CheckpointWriter checkpoints,
            CanonicalStates canonical, MomentPolicy momentPolicy, RunListener listener, JoinListener joins,
            CompletableFuture<RunSnapshot> outcome) {
        return Behaviors.<Object>setup(context -> Behaviors.withTimers(timers -> {
            // registered as itself: message adapters share one actor, which the Receptionist may watch only once
            ActorRef<CoordinatorMessage> self = context.getSelf().narrow();
            context.getSystem().receptionist().tell(Receptionist.register(ServiceKeys.COORDINATOR, self));
            context.getSystem().receptionist().tell(Receptionist.subscribe(ServiceKeys.WORKERS,
                    context.messageAdapter(Receptionist.Listing.class, WorkersListed::new)));
            Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
                    context.messageAdapter(ClusterEvent.MemberRemoved.class,
                            removed -> new MemberRemoved(removed.member().address())),
                    ClusterEvent.MemberRemoved.class));
            return new Run(context, plan, start, deadlines, workers, offer, plane, transferTimeout,
                    checkpoints, canonical, momentPolicy, listener, joins, outcome, timers).behavior();
        }));
    }

    /** The adapter's state; one per run. */
    private static final class Run {
        private final ActorContext<Object> context;
        private final RunPlan plan;
        private final RunSnapshot start;
        private final int needed;
        private final Offer offer;
        private final TensorPlane plane;
        private final Duration transferTimeout;
        private final CheckpointWriter checkpoints;
        private final CanonicalStates canonical;
        private final JoinListener joins;
        private final RunListener listener;
        private final CompletableFuture<RunSnapshot> outcome;
        private final CoordinatorNode<TensorState> node;
        private final Map<ActorRef<WorkerMessage>, String> offered = new HashMap<>();
        private final Map<String, Worker> workers = new TreeMap<>();
        private TensorState lastPushed;
        private ByteBuffer lastPushedBytes;
        private RunSnapshot lastRestored;
        private ByteBuffer lastRestoredBytes;
        private int nextId;

        Run(ActorContext<Object> context, RunPlan plan, RunSnapshot start, NodeDeadlines deadlines, int needed,
                Offer offer, TensorPlane plane, Duration transferTimeout,
                CheckpointWriter checkpoints, CanonicalStates canonical, MomentPolicy momentPolicy,
                RunListener listener, JoinListener joins, CompletableFuture<RunSnapshot> outcome,
                org.apache.pekko.actor.typed.javadsl.TimerScheduler<Object> timers) {
            this.context = context;
            this.plan = plan;
            this.start = start;
            this.needed = needed;
            this.offer = offer;
            this.plane = plane;
            this.transferTimeout = transferTimeout;
            this.checkpoints = checkpoints;
            this.canonical = canonical;
            this.joins = joins;
            this.listener = listener;
            this.outcome = outcome;
            this.node = new CoordinatorNode<>(new CoordinatorCore(plan, start), transport(),
                    (deadline, delayNanos) -> timers.startSingleTimer(deadline.kind(), new DeadlinePassed(deadline),
                            Duration.ofNanos(delayNanos)),
                    (state, expansion) -> Expansion.expand(state, expansion.sourceOfSlot(), momentPolicy), deadlines,
                    listener);
            node.start(start, needed);
        }

        Behavior<Object> behavior() {
            return Behaviors.receive(Object.class)
                    .onMessage(WorkersListed.class, listed -> {
                        offer(listed.listing());
                        return Behaviors.same();
                    })
                    .onMessage(CoordinatorMessage.class, message -> {
                        try {
                            onMessage(message);
                        } catch (RuntimeException e) { // a state that never arrived, or one that is not a state
                            return fail(e);
                        }
                        return next();
                    })
                    .onMessage(MemberRemoved.class, removed -> {
                        for (var entry : List.copyOf(workers.entrySet())) {
                            if (entry.getValue().ref.path().address().equals(removed.address())) {
                                left(entry.getKey());
                            }
                        }
                        return next();
                    })
                    .onMessage(DeadlinePassed.class, in -> {
                        try {
                            node.onDeadline(in.deadline());
                        } catch (RuntimeException e) {
                            return fail(e);
                        }
                        return next();
                    })
                    .onSignal(PostStop.class, stop -> {
                        // whatever stopped this actor, the caller waiting for the outcome learns of it
                        outcome.completeExceptionally(new CoordinatorActor.RunFailedException(
                                "the coordinator stopped before the run finished"));
                        return Behaviors.same();
                    })
                    .build();
        }

        private Behavior<Object> fail(RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            workers.forEach((id, worker) -> worker.ref.tell(new ReleaseWorker(id)));
            outcome.completeExceptionally(new CoordinatorActor.RunFailedException(message));
            return Behaviors.stopped();
        }

        private void offer(Receptionist.Listing listing) {
            for (ActorRef<WorkerMessage> ref : listing.getServiceInstances(ServiceKeys.WORKERS)) {
                if (!offered.containsKey(ref)) {
                    String id = "worker-" + nextId++;
                    offered.put(ref, id);
                    workers.put(id, new Worker(ref));
                    listener.onWorker(RunListener.WorkerEvent.OFFERED, id);
                    Endpoint endpoint = plane.localEndpoint();
                    ref.tell(new JoinOffer(id, WireRegistry.PROTOCOL_VERSION, offer.config(),
                            offer.corpusBytes(), offer.corpusSha256(), endpoint.channel(), endpoint.streamId(),
                            seededStart()));
                }
            }
        }

        private void onMessage(CoordinatorMessage message) {
            if (message instanceof JoinAccepted accepted) {
                Worker worker = workers.get(accepted.workerId());
                if (worker == null || worker.endpoint != null) {
                    return;
                }
                worker.endpoint = new Endpoint(accepted.channel(), accepted.streamId());
                sendDirectory();
                joins.accepted(accepted.workerId(), accepted.device(), accepted(), needed);
                node.onMembership(new WorkerJoined(accepted.workerId()));
            } else if (message instanceof JoinRefused refused) {
                if (workers.remove(refused.workerId()) != null) {
                    joins.refused(refused.workerId(), refused.reason());
                    node.onMessage(refused);
                }
            } else if (message instanceof LeaveRequested leave) {
                letGo(leave.workerId());
            } else if (message instanceof LeaveOrdered order) {
                ActorRef<ControlMessage> operator;
                try {
                    operator = ActorRefResolver.get(context.getSystem()).resolveActorRef(order.replyTo());
                } catch (RuntimeException e) { // an operator's malformed order is its problem, not the run's
                    context.getLog().warn("ignored a leave order with no valid reply address: {}", order);
                    return;
                }
                boolean known = letGo(order.workerId());
                operator.tell(new LeaveAnswered(order.workerId(), known, known
                        ? order.workerId() + " leaves the run after its step"
                        : "no " + order.workerId() + " in this run; its workers: " + String.join(", ",
                                workers.keySet())));
            } else if (message instanceof StatePulled pulled && pulled.state() == null) {
                TensorState state = receive(PlaneTags.state(pulled.step(), pulled.round()));
                node.onStatePulled(pulled.workerId(), pulled.step(), pulled.round(), state);
            } else {
                node.onMessage(message);
            }
        }

        /** Lets a worker go after its step; false if the run has no such worker. */
        private boolean letGo(String workerId) {
            Worker worker = workerId == null ? null : workers.get(workerId);
            if (worker == null) {
                return false;
            }
            if (worker.endpoint != null) {
                node.onMembership(new WorkerLeaving(workerId));
            } else { // not yet in the run: it may go at once
                workers.remove(workerId);
                worker.ref.tell(new ReleaseWorker(workerId));
            }
            return true;
        }

        private boolean seededStart() {
            try {
                return start.equals(plan.freshStart()) && canonical.at(start) == null;
            } catch (Exception e) {
                throw new IllegalStateException("the run's start state: " + e.getMessage(), e);
            }
        }

        /** Sends a restoring worker the state it restores, unless it builds it from the seed. */
        private void sendRestored(Worker worker, RunSnapshot snapshot) throws Exception {
            if (!snapshot.equals(lastRestored)) {
                TensorState state = canonical.at(snapshot);
                lastRestored = snapshot;
                lastRestoredBytes = state == null ? null : TensorStateCodec.encode(state);
            }
            if (lastRestoredBytes != null) {
                plane.send(worker.endpoint, PlaneTags.restore(snapshot.nextStep()), lastRestoredBytes,
                        transferTimeout);
            }
        }

        private TensorState receive(long tag) {
            return TensorStateCodec.decode(plane.receive(tag, transferTimeout));
        }

        private int accepted() {
            return (int) workers.values().stream().filter(worker -> worker.endpoint != null).count();
        }

        private void sendDirectory() {
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

        private void left(String workerId) {
            Worker worker = workers.remove(workerId);
            if (worker != null && worker.endpoint != null) {
                node.onMembership(new WorkerLeft(workerId));
            }
        }

        private Transport<TensorState> transport() {
            return new Transport<>() {
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
                    if (message instanceof RestoreState restore) { // told first: the state moves while it is taken
                        try {
                            sendRestored(worker, restore.snapshot());
                        } catch (Exception e) {
                            outcome.completeExceptionally(new CoordinatorActor.RunFailedException("cannot give "
                                    + workerId + " the state of step " + restore.snapshot().nextStep() + ": "
                                    + e.getMessage()));
                        }
                    }
                    if (message instanceof SyncState sync) { // the admitted take the state the source sends them
                        for (String target : sync.targets()) {
                            Worker admitted = workers.get(target);
                            if (admitted != null) {
                                admitted.ref.tell(sync);
                            }
                        }
                    }
                }

                @Override
                public void push(String workerId, long step, long round, int weights, TensorState state) {
                    Worker worker = workers.get(workerId);
                    if (worker == null) {
                        return;
                    }
                    if (state != lastPushed) { // every holder gets the same expanded state: encode it once
                        lastPushed = state;
                        lastPushedBytes = TensorStateCodec.encode(state);
                    }
                    // told first: the worker takes the state when told, and a state larger than its window moves
                    // only while it does
                    worker.ref.tell(new PushState(step, round, weights, null));
                    plane.send(worker.endpoint, PlaneTags.state(step, round), lastPushedBytes, transferTimeout);
                }

                @Override
                public void down(String workerId) {
                    Worker worker = workers.remove(workerId);
                    if (worker != null) {
                        Cluster.get(context.getSystem()).manager().tell(new Down(worker.ref.path().address()));
                    }
                }

                @Override
                public String writeCheckpoint(String workerId, RunSnapshot snapshot) throws Exception {
                    return checkpoints.write(snapshot, receive(PlaneTags.checkpoint(snapshot.nextStep())));
                }
            };
        }

        private Behavior<Object> next() {
            if (!node.stopped()) {
                return Behaviors.same();
            }
            // the run is over either way: every worker process still in it may go
            workers.forEach((id, worker) -> worker.ref.tell(new ReleaseWorker(id)));
            if (node.failure() != null) {
                outcome.completeExceptionally(new CoordinatorActor.RunFailedException(node.failure()));
            } else {
                outcome.complete(node.finalSnapshot());
            }
            return Behaviors.stopped();
        }
    }
}
