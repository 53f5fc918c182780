package dev.apollo.worker;

import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerFailed;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.protocol.WriteCheckpoint;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.train.Replica;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One device's worker: carries out the coordinator's commands on its {@link Replica} and answers each with its
 * result, or with {@link WorkerFailed} and a one-line reason. The replica is built on the worker's own thread.
 */
public final class WorkerActor extends AbstractBehavior<WorkerMessage> {

    private final String workerId;
    private final Replica replica;
    private final CheckpointStore checkpoints;
    private final int evalBatches;
    private final ActorRef<CoordinatorMessage> coordinator;

    private WorkerActor(ActorContext<WorkerMessage> context, String workerId, Replica replica,
            CheckpointStore checkpoints, int evalBatches, ActorRef<CoordinatorMessage> coordinator) {
        super(context);
        this.workerId = workerId;
        this.replica = replica;
        this.checkpoints = checkpoints;
        this.evalBatches = evalBatches;
        this.coordinator = coordinator;
    }

    public static Behavior<WorkerMessage> create(String workerId, Supplier<Replica> replica, CheckpointStore checkpoints,
            int evalBatches, ActorRef<CoordinatorMessage> coordinator) {
        return Behaviors.setup(context -> {
            try {
                return new WorkerActor(context, workerId, replica.get(), checkpoints, evalBatches, coordinator);
            } catch (RuntimeException e) {
                coordinator.tell(new WorkerFailed(workerId, oneLine(e)));
                return Behaviors.stopped();
            }
        });
    }

    @Override
    public Receive<WorkerMessage> createReceive() {
        return newReceiveBuilder()
                .onMessage(RunStep.class, step -> guarded(() -> runStep(step)))
                .onMessage(Evaluate.class, evaluate -> guarded(() -> evaluate(evaluate)))
                .onMessage(PullState.class, pull -> guarded(
                        () -> coordinator.tell(new StatePulled(pull.step(), workerId, replica.exportState()))))
                .onMessage(PushState.class, push -> guarded(() -> load(push)))
                .onMessage(WriteCheckpoint.class, checkpoint -> guarded(() -> checkpoint(checkpoint)))
                .onSignal(PostStop.class, signal -> {
                    replica.close();
                    return this;
                })
                .build();
    }

    private void runStep(RunStep step) {
        Shard shard = step.shards().stream().filter(s -> s.workerId().equals(workerId)).findFirst()
                .orElseThrow(() -> new IllegalStateException("step " + step.step() + " has no shard for " + workerId));
        long started = System.nanoTime();
        Replica.StepOutcome outcome = replica.trainStep(step.step(), ints(step.layerMap()), step.lr(),
                shard.firstRow(), shard.rowCount());
        double workSeconds = (System.nanoTime() - started) / 1e9;
        if (!Double.isFinite(outcome.loss()) || !Double.isFinite(outcome.gradientNorm())) {
            throw new IllegalStateException("training diverged at step " + step.step() + ": loss " + outcome.loss()
                    + ", gradient norm " + outcome.gradientNorm() + " (the last checkpoint is intact; try a lower "
                    + "optimizer.lr or a longer warmup)");
        }
        coordinator.tell(new StepCompleted(step.step(), step.attempt(), workerId, shard.rowCount(), outcome.loss(),
                outcome.gradientNorm(), workSeconds));
    }

    private void evaluate(Evaluate evaluate) {
        double full = replica.validationLoss(ints(evaluate.fullDepthMap()), evalBatches);
        double stage = evaluate.stageDepthMap().equals(evaluate.fullDepthMap())
                ? full : replica.validationLoss(ints(evaluate.stageDepthMap()), evalBatches);
        coordinator.tell(new EvaluationCompleted(evaluate.stepsDone(), full, stage));
    }

    private void load(PushState push) {
        replica.importState(push.state(), push.weights());
        coordinator.tell(new ExpansionCompleted(push.step(), push.weights(), replica.exportState().digest()));
    }

    private void checkpoint(WriteCheckpoint checkpoint) throws Exception {
        TensorState state = replica.exportState();
        Path location = checkpoints.write(checkpoint.snapshot(), state);
        coordinator.tell(new CheckpointCompleted(checkpoint.snapshot().nextStep(), location.toString(), state.digest()));
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
