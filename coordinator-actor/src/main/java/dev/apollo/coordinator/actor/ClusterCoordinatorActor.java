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
import dev.apollo.protocol.ControlMessage;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.JoinAccepted;
import dev.apollo.protocol.JoinOffer;
import dev.apollo.protocol.JoinRefused;
import dev.apollo.protocol.LeaveAnswered;
import dev.apollo.protocol.LeaveOrdered;
import dev.apollo.protocol.LeaveRequested;
import dev.apollo.protocol.PlaneTags;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WireRegistry;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.TensorPlane;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The Pekko Cluster adapter of the {@link CoordinatorNode}: workers are processes that joined the cluster. It offers
 * each one found through the Receptionist a place in the run, tells the node of those that accept and of members
 * that leave the cluster, answers operators' leave orders, and hands the node replies and Pekko's timers. The
 * {@link ClusterTransport} carries out what the node sends; all coordinator logic is in the node.
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

    /** What the run on the cluster is made of: its plan and start, the plane, how states are written and read. */
    public record RunSetup(RunPlan plan, RunSnapshot start, int workers, Offer offer, TensorPlane plane,
            Duration transferTimeout, CheckpointWriter checkpoints, CanonicalStates canonical) {}

    private ClusterCoordinatorActor() {}

    /**
     * Runs the plan from {@code start} once {@code workers} processes have accepted (within the deadlines' start
     * wait), and ends {@code outcome} as the node ends the run.
     */
    public static Behavior<Object> create(RunSetup cluster, NodeDeadlines deadlines, MomentPolicy momentPolicy,
            RunListener listener, JoinListener joins, RunOutcome outcome) {
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
            return new Run(context, cluster, deadlines, momentPolicy, listener, joins, outcome, timers).behavior();
        }));
    }

    /** The adapter's state; one per run. */
    private static final class Run {
        private final ActorContext<Object> context;
        private final RunSetup cluster;
        private final JoinListener joins;
        private final RunOutcome outcome;
        private final RunListener listener;
        private final ClusterTransport transport;
        private final CoordinatorNode<TensorState> node;
        private final Set<ActorRef<WorkerMessage>> offered = new HashSet<>();
        private int nextId;

        Run(ActorContext<Object> context, RunSetup cluster, NodeDeadlines deadlines, MomentPolicy momentPolicy,
                RunListener listener, JoinListener joins, RunOutcome outcome, TimerScheduler<Object> timers) {
            this.context = context;
            this.cluster = cluster;
            this.joins = joins;
            this.outcome = outcome;
            this.listener = listener;
            this.transport = new ClusterTransport(context.getSystem(), cluster.plane(), cluster.transferTimeout(),
                    cluster.checkpoints(), cluster.canonical(), outcome);
            this.node = new CoordinatorNode<>(new CoordinatorCore(cluster.plan(), cluster.start()), transport,
                    (deadline, delayNanos) -> timers.startSingleTimer(deadline.kind(), new DeadlinePassed(deadline),
                            Duration.ofNanos(delayNanos)),
                    (state, expansion) -> Expansion.expand(state, expansion.sourceOfSlot(), momentPolicy), deadlines,
                    listener);
            node.start(cluster.start(), cluster.workers());
        }

        Behavior<Object> behavior() {
            return Behaviors.receive(Object.class)
                    .onMessage(WorkersListed.class, listed -> handled(() ->
                            listed.listing().getServiceInstances(ServiceKeys.WORKERS).forEach(this::offer)))
                    .onMessage(CoordinatorMessage.class, message -> handled(() -> onMessage(message)))
                    .onMessage(MemberRemoved.class, removed -> handled(() -> {
                        for (var entry : List.copyOf(transport.workers.entrySet())) {
                            if (entry.getValue().ref.path().address().equals(removed.address())) {
                                left(entry.getKey());
                            }
                        }
                    }))
                    .onMessage(DeadlinePassed.class, in -> handled(() -> node.onDeadline(in.deadline())))
                    .onSignal(PostStop.class, stop -> {
                        // whatever stopped this actor, the caller waiting for the outcome learns of it
                        outcome.fail("the coordinator stopped before the run finished");
                        return Behaviors.same();
                    })
                    .build();
        }

        /** Runs one input; a state that never arrived, or one that is not a state, fails the run. */
        private Behavior<Object> handled(Runnable input) {
            try {
                input.run();
            } catch (RuntimeException e) {
                transport.releaseAll();
                outcome.fail(e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(""));
                return Behaviors.stopped();
            }
            if (!outcome.settle(node)) {
                return Behaviors.same();
            }
            transport.releaseAll();
            return Behaviors.stopped();
        }

        private void offer(ActorRef<WorkerMessage> ref) {
            if (offered.add(ref)) {
                String id = "worker-" + nextId++;
                transport.workers.put(id, new ClusterTransport.Worker(ref));
                listener.onWorker(RunListener.WorkerEvent.OFFERED, id);
                Endpoint endpoint = cluster.plane().localEndpoint();
                ref.tell(new JoinOffer(id, WireRegistry.PROTOCOL_VERSION, cluster.offer().config(),
                        cluster.offer().corpusBytes(), cluster.offer().corpusSha256(), endpoint.channel(),
                        endpoint.streamId(), seededStart()));
            }
        }

        /** Whether the run starts fresh with no state given: then every worker builds the start from the seed. */
        private boolean seededStart() {
            try {
                return cluster.start().equals(cluster.plan().freshStart())
                        && cluster.canonical().at(cluster.start()) == null;
            } catch (Exception e) {
                throw new IllegalStateException("the run's start state: " + e.getMessage(), e);
            }
        }

        private void onMessage(CoordinatorMessage message) {
            if (message instanceof JoinAccepted accepted) {
                ClusterTransport.Worker worker = transport.workers.get(accepted.workerId());
                if (worker == null || worker.endpoint != null) {
                    return;
                }
                worker.endpoint = new Endpoint(accepted.channel(), accepted.streamId());
                transport.sendDirectory();
                joins.accepted(accepted.workerId(), accepted.device(), transport.accepted(), cluster.workers());
                node.onMembership(new WorkerJoined(accepted.workerId()));
            } else if (message instanceof JoinRefused refused) {
                if (transport.workers.remove(refused.workerId()) != null) {
                    joins.refused(refused.workerId(), refused.reason());
                    node.onMessage(refused);
                }
            } else if (message instanceof LeaveRequested leave) {
                letGo(leave.workerId());
            } else if (message instanceof LeaveOrdered order) {
                answer(order);
            } else if (message instanceof StatePulled pulled && pulled.state() == null) {
                TensorState state = transport.receive(PlaneTags.state(pulled.step(), pulled.round()));
                node.onStatePulled(pulled.workerId(), pulled.step(), pulled.round(), state);
            } else {
                node.onMessage(message);
            }
        }

        private void answer(LeaveOrdered order) {
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
                    : "no " + order.workerId() + " in this run; its workers: "
                            + String.join(", ", transport.workers.keySet())));
        }

        /** Lets a worker go after its step; false if the run has no such worker. */
        private boolean letGo(String workerId) {
            ClusterTransport.Worker worker = workerId == null ? null : transport.workers.get(workerId);
            if (worker == null) {
                return false;
            }
            if (worker.endpoint != null) {
                node.onMembership(new WorkerLeaving(workerId));
            } else { // offered, not yet in the run: it may go at once
                transport.workers.remove(workerId);
                worker.ref.tell(new ReleaseWorker(workerId));
            }
            return true;
        }

        private void left(String workerId) {
            ClusterTransport.Worker worker = transport.workers.remove(workerId);
            if (worker != null && worker.endpoint != null) {
                node.onMembership(new WorkerLeft(workerId));
            }
        }
    }
}
