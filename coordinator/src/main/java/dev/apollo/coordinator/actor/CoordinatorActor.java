package dev.apollo.coordinator.actor;

import dev.apollo.config.MomentPolicy;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.expand.Expansion;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WorkerFailed;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The Pekko shell around {@link CoordinatorCore}: turns worker replies into core events and carries out the core's
 * commands. It owns the canonical state during an expansion: pulls it from one replica, expands it by the core's
 * copy map and pushes it to every replica, which must all report the same digest.
 */
public final class CoordinatorActor extends AbstractBehavior<CoordinatorMessage> {

    /**
     * The dispatcher workers run on: a step blocks it for as long as the device computes, so no actor that must
     * answer meanwhile may share it (the embedded run gives its coordinator and single worker one thread on purpose).
     */
    public static final String WORKER_DISPATCHER = "apollo.worker-dispatcher";

    private final CoordinatorCore core;
    private final Map<String, ActorRef<WorkerMessage>> workers = new LinkedHashMap<>();
    private final MomentPolicy momentPolicy;
    private final RunListener listener;
    private ExpandWeights expansionInFlight;
    private final Set<String> expansionDigests = new HashSet<>();
    private int expansionReplies;

    private CoordinatorActor(ActorContext<CoordinatorMessage> context, CoordinatorCore core,
            Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> localWorkers,
            MomentPolicy momentPolicy, RunListener listener) {
        super(context);
        this.core = core;
        this.momentPolicy = momentPolicy;
        this.listener = listener;
        localWorkers.forEach((id, factory) -> workers.put(id, context.spawn(factory.apply(context.getSelf()), id,
                DispatcherSelector.fromConfig(WORKER_DISPATCHER))));
    }

    /**
     * A coordinator that spawns the given local workers (id to behavior, given the coordinator's address) and runs
     * the core to its end, reporting to {@code listener}.
     */
    public static Behavior<CoordinatorMessage> create(CoordinatorCore core,
            Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> localWorkers,
            MomentPolicy momentPolicy, RunListener listener) {
        return Behaviors.setup(context -> {
            CoordinatorActor actor = new CoordinatorActor(context, core, localWorkers, momentPolicy, listener);
            for (String id : actor.workers.keySet()) {
                actor.execute(core.on(new WorkerJoined(id)));
            }
            return actor;
        });
    }

    @Override
    public Receive<CoordinatorMessage> createReceive() {
        return newReceiveBuilder()
                .onMessage(StepCompleted.class, this::onCoreEvent)
                .onMessage(EvaluationCompleted.class, this::onCoreEvent)
                .onMessage(CheckpointCompleted.class, this::onCheckpointCompleted)
                .onMessage(StatePulled.class, this::onStatePulled)
                .onMessage(ExpansionCompleted.class, this::onExpansionCompleted)
                .onMessage(WorkerFailed.class, this::onWorkerFailed)
                .onMessage(StateRestored.class, this::onCoreEvent)
                .build();
    }

    private Behavior<CoordinatorMessage> onCoreEvent(CoreEvent event) {
        return execute(core.on(event));
    }

    private Behavior<CoordinatorMessage> onCheckpointCompleted(CheckpointCompleted checkpointed) {
        try {
            listener.onCheckpoint(checkpointed.nextStep(), checkpointed.location());
        } catch (RuntimeException e) {
            return fail("recording the checkpoint failed: " + e.getMessage());
        }
        return execute(core.on(checkpointed));
    }

    private Behavior<CoordinatorMessage> onStatePulled(StatePulled pulled) {
        if (expansionInFlight == null || pulled.step() != expansionInFlight.step()) {
            return this;
        }
        var expanded = Expansion.expand(pulled.state(), expansionInFlight.sourceOfSlot(), momentPolicy);
        for (ActorRef<WorkerMessage> worker : workers.values()) {
            worker.tell(new PushState(expansionInFlight.step(), expansionInFlight.toWeights(), expanded));
        }
        return this;
    }

    private Behavior<CoordinatorMessage> onExpansionCompleted(ExpansionCompleted expanded) {
        if (expansionInFlight == null || expanded.step() != expansionInFlight.step()) {
            return this;
        }
        expansionDigests.add(expanded.digest());
        if (++expansionReplies < workers.size()) {
            return this;
        }
        if (expansionDigests.size() != 1) {
            return fail("replicas disagree after the expansion at step " + expanded.step() + ": " + expansionDigests);
        }
        expansionInFlight = null;
        expansionDigests.clear();
        expansionReplies = 0;
        return execute(core.on(expanded));
    }

    private Behavior<CoordinatorMessage> onWorkerFailed(WorkerFailed failed) {
        return fail("worker " + failed.workerId() + ": " + failed.message());
    }

    private Behavior<CoordinatorMessage> fail(String message) {
        listener.onFailed(message);
        return Behaviors.stopped();
    }

    /** Carries out the core's commands; a listener that throws (a full disk, say) stops the run with its reason. */
    private Behavior<CoordinatorMessage> execute(List<CoreCommand> commands) {
        try {
            return executeAll(commands);
        } catch (RuntimeException e) {
            return fail("recording the run failed: " + e.getMessage());
        }
    }

    private Behavior<CoordinatorMessage> executeAll(List<CoreCommand> commands) {
        // The next step goes out before this one is recorded: workers on threads of their own compute while the
        // listener writes.
        for (CoreCommand command : commands) {
            if (command instanceof RunStep step) {
                for (Shard shard : step.shards()) {
                    workers.get(shard.workerId()).tell(step);
                }
            }
        }
        for (CoreCommand command : commands) { // every command but RunStep, in the core's order
            if (command instanceof Evaluate evaluate) {
                firstWorker().tell(evaluate);
            } else if (command instanceof ExpandWeights expand) {
                expansionInFlight = expand;
                firstWorker().tell(new PullState(expand.step()));
            } else if (command instanceof WriteCheckpoint checkpoint) {
                firstWorker().tell(checkpoint);
            } else if (command instanceof RecordStep record) {
                listener.onStep(record.record());
            } else if (command instanceof RecordValidation validation) {
                listener.onValidation(validation);
            } else if (command instanceof FinishRun finish) {
                listener.onFinished(finish.snapshot());
                return Behaviors.stopped();
            } else if (command instanceof RestoreState restore) {
                // Local workers are built holding the state the run starts from, and this shell never loses a worker
                // (a failure stops the run), so that is the only state ever restored here. Answered as messages, so
                // that every local worker joins before the restore completes and all of them run the first step.
                for (String id : restore.workers()) {
                    getContext().getSelf().tell(new StateRestored(restore.snapshot().nextStep(), id));
                }
            } else if (command instanceof SyncState || command instanceof ReleaseWorker) {
                return fail("membership changes need the cluster transport: " + command);
            }
        }
        return this;
    }

    private ActorRef<WorkerMessage> firstWorker() {
        return workers.values().iterator().next();
    }
}
