package dev.apollo.coordinator.actor;

import dev.apollo.config.MomentPolicy;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.expand.Expansion;
import dev.apollo.coordinator.node.CoordinatorNode;
import dev.apollo.coordinator.node.Deadline;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.coordinator.node.Timers;
import dev.apollo.coordinator.node.Transport;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WorkerMessage;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The Pekko adapter of the {@link CoordinatorNode}: routes worker messages to the node, gives it Pekko's timers as
 * its clock and the workers' actor references as its transport, and stops when the node does. All coordinator logic
 * is in the node; this only moves messages and time.
 */
public final class CoordinatorActor {

    /**
     * The dispatcher workers run on: a step blocks it for as long as the device computes, so the coordinator, whose
     * deadlines must fire meanwhile, never shares it.
     */
    public static final String WORKER_DISPATCHER = "apollo.worker-dispatcher";

    /** What the actor takes. */
    public sealed interface Input {}

    private record FromWorker(CoordinatorMessage message) implements Input {}

    private record DeadlinePassed(Deadline deadline) implements Input {}

    /** A local worker actor stopped (it failed, or was stopped after being declared dead). */
    private record WorkerStopped(String workerId) implements Input {}

    private CoordinatorActor() {}

    /**
     * A coordinator that spawns the given local workers (id to behavior, given the coordinator's address) and runs
     * the plan from {@code start} to its end, reporting to {@code listener}, and ends {@code outcome} as the node
     * ends the run.
     */
    public static Behavior<Input> create(RunPlan plan, RunSnapshot start, NodeDeadlines settings,
            Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> localWorkers,
            MomentPolicy momentPolicy, RunListener listener, RunOutcome outcome) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            ActorRef<CoordinatorMessage> self = context.messageAdapter(CoordinatorMessage.class, FromWorker::new);
            Map<String, ActorRef<WorkerMessage>> workers = new TreeMap<>();
            localWorkers.forEach((id, behavior) -> {
                ActorRef<WorkerMessage> worker = context.spawn(behavior.apply(self), id,
                        DispatcherSelector.fromConfig(WORKER_DISPATCHER));
                context.watchWith(worker, new WorkerStopped(id));
                workers.put(id, worker);
            });
            CoordinatorNode<TensorState> node = new CoordinatorNode<>(new CoordinatorCore(plan, start),
                    transport(context, workers), clock(timers),
                    (state, expansion) -> Expansion.expand(state, expansion.sourceOfSlot(), momentPolicy), settings,
                    listener);
            node.start(start, workers.size());
            for (String id : workers.keySet()) {
                node.onMembership(new WorkerJoined(id));
            }
            Behavior<Input> running = Behaviors.receive(Input.class)
                    .onMessage(FromWorker.class, in -> {
                        if (in.message() instanceof StatePulled pulled) {
                            node.onStatePulled(pulled.workerId(), pulled.step(), pulled.round(), pulled.state());
                        } else {
                            node.onMessage(in.message());
                        }
                        return next(node, outcome);
                    })
                    .onMessage(DeadlinePassed.class, in -> {
                        node.onDeadline(in.deadline());
                        return next(node, outcome);
                    })
                    .onMessage(WorkerStopped.class, in -> {
                        if (workers.remove(in.workerId()) != null) { // not one the node declared dead itself
                            node.onMembership(new WorkerLeft(in.workerId()));
                        }
                        return next(node, outcome);
                    })
                    .build();
            return node.stopped() ? next(node, outcome) : running;
        }));
    }

    private static Transport<TensorState> transport(ActorContext<Input> context,
            Map<String, ActorRef<WorkerMessage>> workers) {
        return new Transport<>() {
            @Override
            public void send(String workerId, WorkerMessage message) {
                ActorRef<WorkerMessage> worker = workers.get(workerId);
                if (worker != null) {
                    worker.tell(message);
                }
            }

            @Override
            public void restore(String workerId, RestoreState restore) {
                send(workerId, restore); // a local worker reads the checkpoint itself
            }

            @Override
            public void push(String workerId, long step, long round, int weights, TensorState state) {
                send(workerId, new PushState(step, round, weights, state));
            }

            @Override
            public void down(String workerId) {
                ActorRef<WorkerMessage> worker = workers.remove(workerId);
                if (worker != null) {
                    context.stop(worker);
                }
            }

            @Override
            public String writeCheckpoint(String workerId, RunSnapshot snapshot) {
                throw new IllegalStateException(workerId + " sent its state to be written, but in one process every "
                        + "worker writes its checkpoints itself");
            }
        };
    }

    private static Timers clock(TimerScheduler<Input> timers) {
        // one timer per kind: a newer deadline of a kind replaces the older one
        return (deadline, delayNanos) -> timers.startSingleTimer(deadline.kind(), new DeadlinePassed(deadline),
                Duration.ofNanos(delayNanos));
    }

    private static Behavior<Input> next(CoordinatorNode<TensorState> node, RunOutcome outcome) {
        return outcome.settle(node) ? Behaviors.stopped() : Behaviors.same();
    }
}
