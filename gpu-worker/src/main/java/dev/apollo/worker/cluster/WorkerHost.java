package dev.apollo.worker.cluster;

import dev.apollo.cluster.ServiceKeys;
import dev.apollo.config.ApolloConfig;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.JoinAccepted;
import dev.apollo.protocol.JoinOffer;
import dev.apollo.protocol.JoinRefused;
import dev.apollo.protocol.LeaveRequested;
import dev.apollo.protocol.PeerDirectory;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WireRegistry;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.Replicas;
import dev.apollo.worker.WorkerActor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * A worker process's face to the cluster: it registers with the Receptionist, finds the coordinator, answers its
 * {@link JoinOffer} (refusing another corpus, model shape or protocol), then runs the {@link WorkerActor} for this
 * device on a thread of its own and passes it the coordinator's commands. The process ends with the host: released
 * at the end of the run, refused, failed, or because the coordinator is gone.
 */
public final class WorkerHost {

    /**
     * How this cluster membership ends: the process's exit code and a one-line reason; {@code coordinatorLost} when
     * the coordinator went away (or declared this worker dead), so that a new membership may look for it again.
     */
    public record Exit(int code, String message, boolean coordinatorLost) {
        public Exit(int code, String message) {
            this(code, message, false);
        }
    }

    /** What this process makes of an offer: the run's configuration and the replica factory, or a refusal. */
    public interface Admission {
        Admitted admit(JoinOffer offer) throws RefusedException;
    }

    /** An accepted offer: the configuration as this worker runs it and how to build its replica. */
    public record Admitted(ApolloConfig config, Replicas replicas, String device) {}

    /** An offer this worker cannot take; the message says why in one line. */
    public static final class RefusedException extends Exception {
        public RefusedException(String message) {
            super(message);
        }
    }

    private record CoordinatorListing(Receptionist.Listing listing) {}

    /** The process was told to stop: ask the coordinator to let this worker go at the next step boundary. */
    public record Leave() {}

    private WorkerHost() {}

    /**
     * The host's behavior; {@code exit} completes when the process should end. {@code plane} is this process's
     * tensor plane; the host does not own it.
     */
    public static Behavior<Object> create(TensorPlane plane, Admission admission, Consumer<String> console,
            CompletableFuture<Exit> exit) {
        return Behaviors.setup(context -> {
            ActorRef<WorkerMessage> self = context.getSelf().narrow();
            context.getSystem().receptionist().tell(Receptionist.register(ServiceKeys.WORKERS, self));
            ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class,
                    CoordinatorListing::new).narrow();
            context.getSystem().receptionist().tell(Receptionist.subscribe(ServiceKeys.COORDINATOR, listings));
            return Behaviors.withStash(16, stash -> Behaviors.receive(Object.class)
                    .onMessage(CoordinatorListing.class, found -> {
                        var coordinators = found.listing().getServiceInstances(ServiceKeys.COORDINATOR);
                        if (coordinators.isEmpty()) {
                            return Behaviors.same();
                        }
                        ActorRef<CoordinatorMessage> coordinator = coordinators.iterator().next();
                        context.watch(coordinator);
                        return stash.unstashAll(awaitingOffer(context, plane, admission, console, exit,
                                coordinator));
                    })
                    .onMessage(WorkerMessage.class, early -> {
                        stash.stash(early); // an offer can overtake the Receptionist's listing
                        return Behaviors.same();
                    })
                    .onMessage(Leave.class, leave -> stoppedBeforeJoining(context, exit))
                    .build());
        });
    }

    private static Behavior<Object> awaitingOffer(ActorContext<Object> context, TensorPlane plane,
            Admission admission, Consumer<String> console, CompletableFuture<Exit> exit,
            ActorRef<CoordinatorMessage> coordinator) {
        return Behaviors.receive(Object.class)
                .onMessage(JoinOffer.class, offer -> {
                    if (offer.protocolVersion() != WireRegistry.PROTOCOL_VERSION) {
                        return refuse(context, coordinator, offer, exit, "the coordinator speaks wire protocol "
                                + offer.protocolVersion() + ", this worker " + WireRegistry.PROTOCOL_VERSION);
                    }
                    Admitted admitted;
                    try {
                        admitted = admission.admit(offer);
                    } catch (RefusedException e) {
                        return refuse(context, coordinator, offer, exit, e.getMessage());
                    }
                    console.accept("apollo worker: joined the run as " + offer.workerId() + " on " + admitted.device());
                    return running(context, plane, console, exit, coordinator, offer, admitted);
                })
                .onSignal(Terminated.class, gone -> coordinatorGone(context, exit))
                .onMessage(Leave.class, leave -> stoppedBeforeJoining(context, exit))
                .onMessage(CoordinatorListing.class, listing -> Behaviors.same())
                .build();
    }

    private static Behavior<Object> running(ActorContext<Object> context, TensorPlane plane,
            Consumer<String> console, CompletableFuture<Exit> exit, ActorRef<CoordinatorMessage> coordinator,
            JoinOffer offer, Admitted admitted) {
        ApolloConfig config = admitted.config();
        Duration stepTimeout = config.cluster().stepTimeout();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "apollo-stall-reports");
            thread.setDaemon(true);
            return thread;
        });
        // a worker stuck behind a silent peer says so well before the coordinator's deadline
        Duration stallReport = stepTimeout.dividedBy(4);
        PeerEndpoints peers = new PeerEndpoints();
        RingGradientExchange exchanges = new RingGradientExchange(offer.workerId(), plane, peers, coordinator, clock, stepTimeout,
                stallReport);
        RunSnapshot start = RunPlan.from(config).freshStart();
        PlaneStateLink link = new PlaneStateLink(plane, new Endpoint(offer.channel(), offer.streamId()), peers,
                config.cluster().phaseTimeout(), snapshot -> offer.seededStart() && snapshot.equals(start));
        ActorRef<WorkerMessage> worker = context.spawn(WorkerActor.create(offer.workerId(), admitted.replicas(), link,
                config.train().evalBatches(), coordinator, exchanges), "worker",
                DispatcherSelector.fromConfig(WorkerActor.DISPATCHER));
        context.watch(worker);
        Endpoint endpoint = plane.localEndpoint();
        coordinator.tell(new JoinAccepted(offer.workerId(), endpoint.channel(), endpoint.streamId(),
                admitted.device()));
        return Behaviors.receive(Object.class)
                .onMessage(PeerDirectory.class, directory -> {
                    peers.update(directory);
                    return Behaviors.same();
                })
                .onMessage(SyncState.class, sync -> {
                    if (sync.targets().contains(offer.workerId())) {
                        console.accept("apollo worker: " + offer.workerId() + " admitted at step " + sync.step()
                                + " with a copy of " + sync.sourceWorker() + "'s state");
                    }
                    worker.tell(sync);
                    return Behaviors.same();
                })
                .onMessage(Leave.class, leave -> {
                    console.accept("apollo worker: " + offer.workerId() + " leaves after its step");
                    coordinator.tell(new LeaveRequested(offer.workerId()));
                    return Behaviors.same();
                })
                .onMessage(RunStep.class, step -> {
                    // the worker may still wait on a peer of an earlier attempt: it gives that up, the step goes on
                    exchanges.abandonBefore(step);
                    worker.tell(step);
                    return Behaviors.same();
                })
                .onMessage(ReleaseWorker.class, release -> {
                    exit.complete(new Exit(0, offer.workerId() + " released by the coordinator"));
                    return done(context);
                })
                .onMessage(WorkerMessage.class, message -> {
                    worker.tell(message);
                    return Behaviors.same();
                })
                .onMessage(CoordinatorListing.class, listing -> Behaviors.same())
                .onSignal(Terminated.class, stopped -> {
                    if (stopped.getRef().equals(worker)) {
                        exit.complete(new Exit(1, offer.workerId() + " failed; the coordinator's log says why"));
                        return done(context);
                    }
                    return coordinatorGone(context, exit);
                })
                .onSignal(PostStop.class, stop -> {
                    clock.shutdownNow();
                    return Behaviors.same();
                })
                .build();
    }

    private static Behavior<Object> refuse(ActorContext<Object> context, ActorRef<CoordinatorMessage> coordinator,
            JoinOffer offer, CompletableFuture<Exit> exit, String reason) {
        coordinator.tell(new JoinRefused(offer.workerId(), reason));
        exit.complete(new Exit(2, "refused to join: " + reason));
        return done(context);
    }

    private static Behavior<Object> stoppedBeforeJoining(ActorContext<Object> context, CompletableFuture<Exit> exit) {
        exit.complete(new Exit(0, "stopped before joining a run"));
        return done(context);
    }

    private static Behavior<Object> coordinatorGone(ActorContext<Object> context, CompletableFuture<Exit> exit) {
        exit.complete(new Exit(1, "the coordinator is gone (it failed or was cut off)", true));
        return done(context);
    }

    /**
     * The host has nothing more to do; the process ends the actor system itself (leaving the cluster in order),
     * since a guardian that stops would end it abruptly.
     */
    private static Behavior<Object> done(ActorContext<Object> context) {
        context.getChildren().forEach(context::stop);
        return Behaviors.receive(Object.class)
                .onAnyMessage(late -> Behaviors.same())
                .onSignal(Terminated.class, stopped -> Behaviors.same()) // the worker, or the coordinator, now gone
                .build();
    }
}
