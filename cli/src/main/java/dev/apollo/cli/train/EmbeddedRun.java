package dev.apollo.cli.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.typesafe.config.ConfigFactory;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigError;
import dev.apollo.coordinator.actor.CoordinatorActor;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.NodeSettings;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.worker.WorkerActor;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.train.Replica;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The single-machine cluster: one ActorSystem holding the coordinator and one worker for the local device, run
 * to the end of the plan. The same coordinator node runs across processes once the cluster transport exists.
 */
public final class EmbeddedRun {

    // Few threads that park at once: fork-join workers spin before parking and take CPU from the engine's threads.
    // The worker gets a thread of its own: a step blocks it for as long as the device computes, and the
    // coordinator's deadlines must fire meanwhile (a hung device fails the run instead of stalling it).
    private static final String ACTOR_SYSTEM_CONFIG = """
            pekko { loglevel = "WARNING", stdout-loglevel = "WARNING", log-dead-letters = off,
                    log-dead-letters-during-shutdown = off, coordinated-shutdown.exit-jvm = off }
            pekko.scheduler.tick-duration = 100ms
            pekko.actor.default-dispatcher { executor = "thread-pool-executor",
                                              thread-pool-executor.fixed-pool-size = 1 }
            pekko.actor.internal-dispatcher { executor = "thread-pool-executor",
                                               thread-pool-executor.fixed-pool-size = 1 }
            apollo.worker-dispatcher { type = PinnedDispatcher, executor = "thread-pool-executor" }
            """;
    /** How long the actor system may take to stop once the run is over; a worker stuck on its device is left. */
    private static final Duration SHUTDOWN = Duration.ofSeconds(30);
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
        CompletableFuture<RunSnapshot> outcome = new CompletableFuture<>();
        CheckpointStore checkpoints = new CheckpointStore(checkpointDir, renderedConfig);
        // the run's start is in memory; any later state it goes back to is a checkpoint this run wrote
        Function<RunSnapshot, Replica> restore = snapshot -> new Replica(config, data, device, snapshot.weights(),
                snapshot.equals(start) ? state : CheckpointStore.read(checkpoints.location(snapshot)).state());
        Map<String, Function<ActorRef<CoordinatorMessage>, Behavior<WorkerMessage>>> workers = Map.of(WORKER,
                coordinator -> aroundWorker.apply(WorkerActor.create(WORKER, restore, checkpoints,
                        config.train().evalBatches(), coordinator, WorkerActor.GradientExchanges.ALONE)));
        ActorSystem<CoordinatorActor.Input> system = ActorSystem.create(
                CoordinatorActor.create(plan, start, NodeSettings.withoutJoins(config.cluster()), workers,
                        config.optimizer().momentsAtExpansion(), listener, outcome),
                "apollo", ConfigFactory.parseString(ACTOR_SYSTEM_CONFIG).withFallback(ConfigFactory.load()));
        // A coordinator that stops without an outcome (an actor failure) must not leave the caller waiting forever.
        system.getWhenTerminated().thenRun(() -> outcome.completeExceptionally(
                new RunFailed("the coordinator stopped before the run finished (see the log above)")));
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailed("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RunFailed failed) {
                throw failed;
            }
            throw new RunFailed(e.getCause() instanceof CoordinatorActor.RunFailedException failed
                    ? failed.getMessage() : e.getCause().toString());
        } finally {
            stop(system);
        }
    }

    private static void stop(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(SHUTDOWN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a worker still blocked on its device: the process exits without waiting for it
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
