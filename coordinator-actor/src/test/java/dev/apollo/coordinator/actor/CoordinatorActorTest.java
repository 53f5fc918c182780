package dev.apollo.coordinator.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.MomentPolicy;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The actor shell with tensor-free stand-in workers: it must carry every core command to the right worker, run the
 * expansion (pull, expand by the copy map, push to all, agree on digests) and report the run to its listener.
 */
class CoordinatorActorTest {

    private static final ActorTestKit testKit = ActorTestKit.create(com.typesafe.config.ConfigFactory.parseString(
            "apollo.worker-dispatcher { type = PinnedDispatcher, executor = thread-pool-executor }"));

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static final NodeDeadlines SETTINGS = new NodeDeadlines(20_000_000_000L, 20_000_000_000L, 0, 20_000_000_000L);

    /** A worker whose "state" is one tensor per real layer holding the layer's index. */
    private static Behavior<WorkerMessage> fakeWorker(String id, ActorRef<CoordinatorMessage> coordinator,
            List<PushState> pushes, boolean corruptPushes) {
        TensorState[] state = {layerState(1)};
        return Behaviors.receive(WorkerMessage.class)
                .onMessage(RestoreState.class, restore -> {
                    coordinator.tell(new StateRestored(restore.snapshot().nextStep(), id));
                    return Behaviors.same();
                })
                .onMessage(RunStep.class, step -> {
                    int microBatches = step.shards().stream().filter(s -> s.workerId().equals(id)).findFirst()
                            .orElseThrow().microBatches();
                    state[0] = trained(state[0]);
                    coordinator.tell(new StepCompleted(step.step(), step.attempt(), id, microBatches, false, 1.0 / (step.step() + 1), 0.5, 0.01));
                    return Behaviors.same();
                })
                .onMessage(Evaluate.class, evaluate -> {
                    coordinator.tell(new EvaluationCompleted(evaluate.stepsDone(), id, 2.0, 3.0));
                    return Behaviors.same();
                })
                .onMessage(PullState.class, pull -> {
                    coordinator.tell(new StatePulled(pull.step(), pull.round(), id, state[0]));
                    return Behaviors.same();
                })
                .onMessage(PushState.class, push -> {
                    pushes.add(push);
                    state[0] = push.state();
                    String digest = corruptPushes ? id : push.state().digest();
                    coordinator.tell(new StatePushed(push.step(), push.round(), id, digest));
                    return Behaviors.same();
                })
                .onMessage(WriteCheckpoint.class, checkpoint -> {
                    coordinator.tell(new CheckpointCompleted(checkpoint.snapshot().nextStep(), id, "memory"));
                    return Behaviors.same();
                })
                .build();
    }

    /** A stand-in update that moves layer i by i + 1, so that layers hold different values. */
    private static TensorState trained(TensorState state) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor tensor : state.tensors()) {
            float step = tensor.name().startsWith("layers.") ? Integer.parseInt(tensor.name().split("\\.")[1]) + 1 : 0;
            tensors.add(new NamedTensor(tensor.name(), tensor.shape(), new float[] {tensor.values()[0] + step}));
        }
        return new TensorState(tensors, state.optimizerUpdates() + 1);
    }

    private static TensorState layerState(int layers) {
        List<NamedTensor> tensors = new ArrayList<>();
        tensors.add(new NamedTensor("embed.token", new long[] {1}, new float[] {-1}));
        for (int i = 0; i < layers; i++) {
            tensors.add(new NamedTensor("layers." + i + ".w", new long[] {1}, new float[] {i}));
        }
        return new TensorState(tensors, 0);
    }

    private static final class Recorder implements RunListener {
        final List<StepRecord> steps = Collections.synchronizedList(new ArrayList<>());
        final List<RecordValidation> validations = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<RunSnapshot> finished = new CompletableFuture<>();

        @Override
        public void onStep(StepRecord record) {
            steps.add(record);
        }

        @Override
        public void onValidation(RecordValidation validation) {
            validations.add(validation);
        }

        @Override
        public void onFinished(RunSnapshot snapshot) {
            finished.complete(snapshot);
        }

        @Override
        public void onFailed(String message) {
            finished.completeExceptionally(new IllegalStateException(message));
        }
    }

    private static List<Float> values(TensorState state) {
        return state.tensors().stream().map(t -> t.values()[0]).toList();
    }

    private static ApolloConfig config() {
        return ConfigLoader.load("tiny", null, List.of("train.steps=20", "model.layers=4", "stages.layers=[1,2,4]",
                "stages.boundaries=[0.25,0.5]", "train.eval-every=10", "train.checkpoint-every=10"));
    }

    @Test
    void runsToTheEndAndExpandsEveryReplicaByTheCopyMap() throws Exception {
        RunPlan plan = RunPlan.from(config());
        Recorder recorder = new Recorder();
        Map<String, List<PushState>> pushes = new TreeMap<>();
        Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> workers = new TreeMap<>();
        for (String id : List.of("w0", "w1")) {
            List<PushState> received = Collections.synchronizedList(new ArrayList<>());
            pushes.put(id, received);
            workers.put(id, coordinator -> fakeWorker(id, coordinator, received, false));
        }
        testKit.spawn(CoordinatorActor.create(plan, plan.freshStart(), SETTINGS, workers, MomentPolicy.COPY, recorder,
                new RunOutcome()));
        RunSnapshot end = recorder.finished.get(20, TimeUnit.SECONDS);

        assertEquals(20, end.nextStep());
        assertEquals(20, recorder.steps.size());
        assertEquals(2, recorder.validations.size());
        // Five steps move layer 0 to 5; 1 -> 2 copies it into both slots. Five more move slot 0 to 10 and slot 1
        // to 15; 2 -> 4 interpolates them as 0,0,1,1.
        for (List<PushState> received : pushes.values()) {
            assertEquals(List.of(5L, 10L), received.stream().map(PushState::step).toList());
            assertEquals(List.of(-1f, 5f, 5f), values(received.get(0).state()));
            assertEquals(List.of(-1f, 10f, 10f, 15f, 15f), values(received.get(1).state()));
            assertEquals(10, received.get(1).state().optimizerUpdates());
        }
        assertEquals(4, end.weights());
    }

    @Test
    void replicasThatDisagreeAfterAnExpansionStopTheRun() {
        RunPlan plan = RunPlan.from(config());
        Recorder recorder = new Recorder();
        Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> workers = new TreeMap<>();
        for (String id : List.of("a", "b")) {
            workers.put(id, coordinator -> fakeWorker(id, coordinator, new ArrayList<>(), true));
        }
        testKit.spawn(CoordinatorActor.create(plan, plan.freshStart(), SETTINGS, workers, MomentPolicy.COPY, recorder,
                new RunOutcome()));
        var error = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> recorder.finished.get(20, TimeUnit.SECONDS));
        assertTrue(error.getCause().getMessage().contains("replicas disagree after the expansion at step 5"),
                error.getCause().getMessage());
        assertEquals(5, recorder.steps.size(), "no step ran after the disagreement");
    }
}
