package dev.apollo.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;

/** The actor-system settings of the trainer's processes: one process, or a node of a cluster. */
public final class ActorSystems {

    // Few threads that park at once: fork-join workers spin before parking and take CPU from the engine's threads.
    // The worker gets a thread of its own: a step blocks it for as long as the device computes, and the
    // coordinator's deadlines must fire meanwhile (a hung device fails the run instead of stalling it). A cluster
    // coordinator also gets one: it blocks while states cross the tensor plane, and heartbeats must go on.
    private static final String DISPATCHERS = """
            pekko.scheduler.tick-duration = 100ms
            pekko.actor.default-dispatcher { executor = "thread-pool-executor",
                                              thread-pool-executor.fixed-pool-size = 1 }
            pekko.actor.internal-dispatcher { executor = "thread-pool-executor",
                                               thread-pool-executor.fixed-pool-size = 1 }
            apollo.worker-dispatcher { type = PinnedDispatcher, executor = "thread-pool-executor" }
            apollo.coordinator-dispatcher { type = PinnedDispatcher, executor = "thread-pool-executor" }
            """;
    public static final String COORDINATOR_DISPATCHER = "apollo.coordinator-dispatcher";

    /** How long an actor system may take to stop once the run is over; a worker stuck on its device is left. */
    private static final Duration SHUTDOWN = Duration.ofSeconds(30);

    private ActorSystems() {}

    /** Terminates {@code system}, waiting at most {@link #SHUTDOWN} for it. */
    public static void stop(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(SHUTDOWN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a worker still blocked on its device: the process exits without waiting for it
        }
    }

    /** One process holding the coordinator and its worker. */
    public static Config embedded() {
        return ConfigFactory.parseString(DISPATCHERS + """
                pekko { loglevel = "WARNING", stdout-loglevel = "WARNING", log-dead-letters = off,
                        log-dead-letters-during-shutdown = off, coordinated-shutdown.exit-jvm = off }
                """).withFallback(ConfigFactory.load());
    }

    /** A node of a cluster: over the cluster module's configuration, which sets logging and the transport. */
    public static Config clusterNode() {
        return ConfigFactory.parseString(DISPATCHERS);
    }
}
