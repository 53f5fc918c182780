package dev.apollo.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigError;
import dev.apollo.coordinator.actor.CoordinatorActor;
import dev.apollo.coordinator.actor.RunOutcome;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.run.ActorSystems;
import dev.apollo.worker.Replicas;
import dev.apollo.worker.StateLink;
import dev.apollo.worker.WorkerActor;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.train.GradientExchange;
import dev.apollo.worker.train.Replica;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The one-process run: one ActorSystem holding the coordinator and one worker for the local device, run to the end
 * of the plan. {@link dev.apollo.run.cluster.ClusterRun} runs the same coordinator node with worker processes.
 */
public final class EmbeddedRun {

    private static final String WORKER = "worker-0";

    private EmbeddedRun() {}

    /**
     * Trains from {@code start} (a fresh start, or a checkpoint's snapshot with its {@code state}) to the end of the
     * plan, writing checkpoints under {@code checkpointDir}; returns the final snapshot or throws with the
     * failure's one-line reason. Every wait is bounded by the {@code cluster.*} deadlines.
     */
    public static RunSnapshot run(ApolloConfig config, String renderedConfig, BatchSource data, Path checkpointDir,
            RunSnapshot start, TensorState state, RunListener listener) {
        return run(config, renderedConfig, data, checkpointDir, start, state, listener, UnaryOperator.identity());
    }

    /** The same, with the worker's behavior wrapped by {@code aroundWorker} (tests put a hung device there). */
    public static RunSnapshot run(ApolloConfig config, String renderedConfig, BatchSource data, Path checkpointDir,
            RunSnapshot start, TensorState state, RunListener listener,
            UnaryOperator<Behavior<WorkerMessage>> aroundWorker) {
        RunPlan plan = RunPlan.from(config);
        Device device = device(config);
        RunOutcome outcome = new RunOutcome();
        CheckpointStore checkpoints = new CheckpointStore(checkpointDir, renderedConfig,
                Vocabulary.of(config.data(), config.model()).json());
        // the run's start is in memory; any later state it goes back to is a checkpoint this run wrote
        Replicas replicas = new Replicas() {
            @Override
            public Replica at(RunSnapshot snapshot) {
                return new Replica(config, data, device, snapshot.weights(),
                        snapshot.equals(start) ? state : CheckpointStore.read(checkpoints.location(snapshot)).state());
            }

            @Override
            public Replica holding(int weights, TensorState copy) {
                return new Replica(config, data, device, weights, copy);
            }
        };
        Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> workers = Map.of(WORKER,
                coordinator -> aroundWorker.apply(WorkerActor.create(WORKER, replicas, StateLink.inProcess(checkpoints),
                        config.train().evalBatches(), coordinator, GradientExchange.Steps.ALONE)));
        ActorSystem<CoordinatorActor.Input> system = ActorSystem.create(
                CoordinatorActor.create(plan, start, NodeDeadlines.withoutJoins(config.cluster()), workers,
                        config.optimizer().momentsAtExpansion(), listener, outcome),
                "apollo", ActorSystems.embedded());
        // A coordinator that stops without an outcome (an actor failure) must not leave the caller waiting forever.
        system.getWhenTerminated().thenRun(() ->
                outcome.fail("the coordinator stopped before the run finished (see the log above)"));
        try {
            return outcome.await();
        } finally {
            ActorSystems.stop(system);
        }
    }


    /**
     * The tensor engine with {@code runtime.threads} intra-op threads. The count is set on the running engine, not
     * through DJL's property, which the engine reads only when it starts: a worker starts it before it knows its run,
     * and one JVM may train several runs.
     */
    public static Engine engine(ApolloConfig config) {
        Engine engine = Engine.getInstance();
        JniUtils.setNumThreads(config.runtime().threads());
        return engine;
    }

    /** The configured device: a GPU where DJL sees one (auto), or the one asked for. */
    public static Device device(ApolloConfig config) {
        Engine engine = engine(config);
        return switch (config.runtime().device()) {
            case AUTO -> engine.defaultDevice();
            case CPU -> Device.cpu();
            case GPU -> {
                if (engine.getGpuCount() == 0) {
                    throw new ConfigError("apollo.runtime.device = gpu: no GPU is visible to DJL's PyTorch engine");
                }
                yield Device.gpu();
            }
        };
    }
}
