package dev.apollo.cli.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.typesafe.config.ConfigFactory;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigError;
import dev.apollo.coordinator.actor.CoordinatorActor;
import dev.apollo.coordinator.actor.RunListener;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.worker.WorkerActor;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.train.Replica;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The single-machine cluster: one ActorSystem holding the coordinator and one worker for the local device, run
 * to the end of the plan. The same actors and core run across processes once the cluster transport exists.
 */
public final class EmbeddedRun {

    // Few threads that park at once: fork-join workers spin before parking and take CPU from the engine's threads.
    // One device: the coordinator and its worker take turns on one thread, so handing a step over wakes no thread
    // (measured with bench step: 0.29 instead of 0.40 ms between steps at depth 1, the worker's thread of its own).
    private static final String ACTOR_SYSTEM_CONFIG = """
            pekko { loglevel = "WARNING", stdout-loglevel = "WARNING", log-dead-letters = off,
                    log-dead-letters-during-shutdown = off, coordinated-shutdown.exit-jvm = off }
            pekko.scheduler.tick-duration = 100ms
            pekko.actor.default-dispatcher { executor = "thread-pool-executor",
                                              thread-pool-executor.fixed-pool-size = 1 }
            pekko.actor.internal-dispatcher { executor = "thread-pool-executor",
                                               thread-pool-executor.fixed-pool-size = 1 }
            apollo.worker-dispatcher = "pekko.actor.default-dispatcher"
            """;

    private EmbeddedRun() {}

    /**
     * Trains from {@code start} (a fresh start, or a checkpoint's snapshot with its {@code state}) to the end of the
     * plan, writing checkpoints under {@code checkpointDir}; returns the final snapshot or throws with the
     * failure's one-line reason.
     */
    public static RunSnapshot run(ApolloConfig config, String renderedConfig, BatchSource data, Path checkpointDir,
            RunSnapshot start, TensorState state, RunListener listener) {
        RunPlan plan = RunPlan.from(config);
        Device device = device(config);
        CompletableFuture<RunSnapshot> done = new CompletableFuture<>();
        RunListener completing = new RunListener() {
            @Override
            public void onStep(StepRecord record) {
                listener.onStep(record);
            }

            @Override
            public void onValidation(RecordValidation validation) {
                listener.onValidation(validation);
            }

            @Override
            public void onCheckpoint(long nextStep, String location) {
                listener.onCheckpoint(nextStep, location);
            }

            @Override
            public void onFinished(RunSnapshot snapshot) {
                listener.onFinished(snapshot);
                done.complete(snapshot);
            }

            @Override
            public void onFailed(String message) {
                listener.onFailed(message);
                done.completeExceptionally(new RunFailed(message));
            }
        };
        CheckpointStore checkpoints = new CheckpointStore(checkpointDir, renderedConfig);
        Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> workers = Map.of("worker-0",
                coordinator -> WorkerActor.create("worker-0",
                        () -> new Replica(config, data, device, start.weights(), state), checkpoints,
                        config.train().evalBatches(), coordinator));
        ActorSystem<CoordinatorMessage> system = ActorSystem.create(
                CoordinatorActor.create(new CoordinatorCore(plan, start), workers,
                        config.optimizer().momentsAtExpansion(), completing),
                "apollo", ConfigFactory.parseString(ACTOR_SYSTEM_CONFIG).withFallback(ConfigFactory.load()));
        // A coordinator that stops without reporting (an actor failure) must not leave the caller waiting forever.
        system.getWhenTerminated().thenRun(() -> done.completeExceptionally(
                new RunFailed("the coordinator stopped before the run finished (see the log above)")));
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailed("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RunFailed failed ? failed : new RunFailed(e.getCause().toString());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    /** The configured device: a GPU where DJL sees one (auto), or the one asked for. */
    public static Device device(ApolloConfig config) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(config.runtime().threads()));
        Engine engine = Engine.getInstance();
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

    /** A run that stopped before its end; the message is the one-line reason. */
    public static final class RunFailed extends RuntimeException {
        public RunFailed(String message) {
            super(message);
        }
    }
}
