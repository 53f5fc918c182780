package dev.apollo.worker;

import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerFailed;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.protocol.WriteCheckpoint;
import dev.apollo.worker.train.GradientExchange;
import dev.apollo.worker.train.Replica;
import dev.apollo.worker.train.StepAbandonedException;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One device's worker: carries out the coordinator's commands on its {@link Replica} and answers each with its
 * result, or with {@link WorkerFailed} and a one-line reason. It holds no state until the coordinator tells it which
 * to restore; the replica is built then, on the worker's own thread.
 */
public final class WorkerActor extends AbstractBehavior<WorkerMessage> {

    /**
     * The dispatcher a worker runs on, a thread of its own: a step blocks it for as long as the device computes, and
     * the actors that must answer meanwhile (the coordinator's deadlines, the cluster's heartbeats) never share it.
     */
    public static final String DISPATCHER = "apollo.worker-dispatcher";

    private final String workerId;
    /** Builds the replica holding the state a snapshot describes: the start, or that checkpoint. */
    private final Replicas replicas;
    private final StateLink link;
    private final int evalBatches;
    private final ActorRef<CoordinatorMessage> coordinator;
    private final GradientExchange.Steps exchanges;
    private Replica replica;

    private WorkerActor(ActorContext<WorkerMessage> context, String workerId, Replicas replicas,
            StateLink link, int evalBatches, ActorRef<CoordinatorMessage> coordinator,
            GradientExchange.Steps exchanges) {
        super(context);
        this.exchanges = exchanges;
        this.workerId = workerId;
        this.replicas = replicas;
        this.link = link;
        this.evalBatches = evalBatches;
        this.coordinator = coordinator;
    }

    public static Behavior<WorkerMessage> create(String workerId, Replicas replicas,
            StateLink link, int evalBatches, ActorRef<CoordinatorMessage> coordinator,
            GradientExchange.Steps exchanges) {
        return Behaviors.setup(context -> new WorkerActor(context, workerId, replicas, link, evalBatches,
                coordinator, exchanges));
    }

    @Override
    public Receive<WorkerMessage> createReceive() {
        return newReceiveBuilder()
                .onMessage(RestoreState.class, restoring -> guarded(() -> restore(restoring)))
                .onMessage(RunStep.class, step -> guarded(() -> {
                    try {
                        runStep(step);
                    } catch (StepAbandonedException e) {
                        // a peer is gone: the coordinator runs the step again without it, or declares it dead
                        getContext().getLog().info("{}: {}", workerId, e.getMessage());
                    }
                }))
                .onMessage(Evaluate.class, evaluate -> guarded(() -> evaluate(evaluate)))
                .onMessage(PullState.class, pull -> guarded(() -> link.pulled(pull, stateAt(pull.step()),
                        state -> coordinator.tell(new StatePulled(pull.step(), pull.round(), workerId, state)))))
                .onMessage(PushState.class, push -> guarded(() -> load(push)))
                .onMessage(WriteCheckpoint.class, checkpoint -> guarded(() -> checkpoint(checkpoint)))
                .onMessage(SyncState.class, sync -> guarded(() -> sync(sync)))
                .onMessage(ReleaseWorker.class, release -> Behaviors.stopped())
                .onSignal(PostStop.class, signal -> {
                    if (replica != null) {
                        replica.close();
                    }
                    return this;
                })
                .build();
    }

    private Replica replica() {
        if (replica == null) {
            throw new IllegalStateException("asked to work before the coordinator gave it a state to restore");
        }
        return replica;
    }

    /** The replica, as it stands at {@code boundary}: the tentative update applied or dropped first. */
    private Replica at(long boundary) {
        replica().prepareFor(boundary);
        return replica;
    }

    /** The state before step {@code boundary}, to send away. */
    private TensorState stateAt(long boundary) {
        return at(boundary).exportState();
    }

    private void restore(RestoreState restoring) throws Exception {
        if (replica != null) {
            replica.close();
            replica = null;
        }
        TensorState state = link.restored(restoring.snapshot());
        replica = state == null ? replicas.at(restoring.snapshot())
                : replicas.holding(restoring.snapshot().weights(), state);
        coordinator.tell(new StateRestored(restoring.snapshot().nextStep(), workerId));
    }

    /** The source gives its state to the workers admitted at the boundary; each of those takes it. */
    private void sync(SyncState sync) throws Exception {
        if (sync.sourceWorker().equals(workerId)) {
            link.give(sync, stateAt(sync.step()));
        } else if (sync.targets().contains(workerId)) {
            TensorState state = link.take(sync);
            if (replica != null) {
                replica.close();
                replica = null;
            }
            replica = replicas.holding(sync.weights(), state);
            coordinator.tell(new StateSynced(sync.step(), workerId));
        }
    }

    private void runStep(RunStep step) {
        Shard shard = step.shards().stream().filter(s -> s.workerId().equals(workerId)).findFirst()
                .orElseThrow(() -> new IllegalStateException("step " + step.step() + " has no shard for " + workerId));
        long started = System.nanoTime();
        Replica.StepOutcome outcome = replica().trainStep(step.step(), ints(step.layerMap()), step.lr(),
                shard.firstMicroBatch(), shard.microBatches(), exchanges.forStep(step));
        double workSeconds = (System.nanoTime() - started) / 1e9;
        coordinator.tell(new StepCompleted(step.step(), step.attempt(), workerId, shard.microBatches(),
                outcome.skipped(), outcome.loss(), outcome.gradientNorm(), workSeconds));
    }

    private void evaluate(Evaluate evaluate) {
        double full = at(evaluate.stepsDone()).validationLoss(ints(evaluate.fullDepthMap()), evalBatches);
        double stage = evaluate.stageDepthMap().equals(evaluate.fullDepthMap())
                ? full : replica.validationLoss(ints(evaluate.stageDepthMap()), evalBatches);
        coordinator.tell(new EvaluationCompleted(evaluate.stepsDone(), workerId, full, stage));
    }

    private void load(PushState push) throws Exception {
        replica().importState(link.pushed(push), push.weights());
        coordinator.tell(new StatePushed(push.step(), push.round(), workerId, replica().exportState().digest()));
    }

    private void checkpoint(WriteCheckpoint checkpoint) throws Exception {
        link.checkpoint(checkpoint.snapshot(), stateAt(checkpoint.snapshot().nextStep()), location -> coordinator.tell(
                new CheckpointCompleted(checkpoint.snapshot().nextStep(), workerId, location)));
    }

    private interface Action {
        void run() throws Exception;
    }

    private Behavior<WorkerMessage> guarded(Action action) {
        try {
            action.run();
            return this;
        } catch (Exception e) {
            coordinator.tell(new WorkerFailed(workerId, oneLine(e)));
            return Behaviors.stopped();
        }
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
