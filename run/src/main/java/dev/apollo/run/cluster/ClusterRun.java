package dev.apollo.run.cluster;

import dev.apollo.cluster.ClusterNode;
import dev.apollo.cluster.NodeSettings;
import dev.apollo.cluster.TlsStores;
import dev.apollo.config.ApolloConfig;
import dev.apollo.coordinator.actor.ClusterCoordinatorActor;
import dev.apollo.coordinator.actor.RunOutcome;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.run.ActorSystems;
import dev.apollo.run.Corpus;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.Vocabulary;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The coordinator of a cluster run: a Pekko Cluster node with the role {@code coordinator} and a tensor plane,
 * running the same coordinator node as the single-process run, with worker processes that join it: started here
 * ({@code apollo train --workers N}) or on other machines ({@code apollo coordinator}, then {@code apollo worker}).
 * Checkpoints are written here, from the canonical state a worker sends.
 */
public final class ClusterRun {

    /** How the cluster is formed: where this node listens, how many workers the run waits for, who starts them. */
    public record Launch(String host, int port, int workers, WorkerStart local, String secret, TlsStores tls) {

        boolean startLocalWorkers() {
            return local != WorkerStart.NONE;
        }
    }

    /** Which workers this process starts: none (they join from elsewhere), child processes, or threads of its own. */
    public enum WorkerStart { NONE, PROCESSES, THREADS }

    /** Stream ids only tell processes apart on a shared driver. */
    private static final int STREAM_ID = 1001;
    /**
     * How long a state transfer may make no progress before it is given up: the coordinator's thread waits on it,
     * so a worker that dies while sending must not hold it for the whole phase timeout. Progress, not size, counts.
     */
    private static final Duration TRANSFER_STALL = Duration.ofMinutes(2);

    private ClusterRun() {}

    /**
     * Trains from {@code start} (a fresh start, or a checkpoint's snapshot, with its {@code state}: null for the
     * seed's start) to the end of the plan; the workers get every state but the seed's from this process.
     */
    public static RunSnapshot run(ApolloConfig config, String renderedConfig, Corpus.Loaded corpus, Path checkpointDir,
            RunSnapshot start, TensorState state, RunListener listener, Launch launch, PrintStream console) {
        RunPlan plan = RunPlan.from(config);
        CheckpointStore checkpoints = new CheckpointStore(checkpointDir, renderedConfig,
                Vocabulary.of(config.data(), config.model()).json());
        RunOutcome outcome = new RunOutcome();
        ConsoleJoins joins = new ConsoleJoins(console);
        NodeDeadlines deadlines = NodeDeadlines.of(config.cluster());
        // Workers started here share this process's media driver and reach each other over IPC; others use UDP.
        Path aeronDir = AeronDirectories.forThisProcess("coordinator");
        TensorPlane.Settings planeSettings = launch.startLocalWorkers()
                ? TensorPlane.Settings.ipc(aeronDir, true, STREAM_ID, 1)
                : TensorPlane.Settings.udp(aeronDir, true, launch.host(), STREAM_ID, 1);
        try (TensorPlane plane = AeronDirectories.closedOnExit(TensorPlane.start(planeSettings))) {
            var coordinator = ClusterCoordinatorActor.create(new ClusterCoordinatorActor.RunSetup(plan, start,
                    launch.workers(), new ClusterCoordinatorActor.Offer(renderedConfig, corpus.bytes(), corpus.sha256()),
                    plane, min(config.cluster().phaseTimeout(), TRANSFER_STALL),
                    (snapshot, written) -> checkpoints.write(snapshot, written).toString(),
                    snapshot -> snapshot.equals(start) ? state
                            : CheckpointStore.read(checkpoints.location(snapshot)).state()),
                    deadlines, config.optimizer().momentsAtExpansion(), listener, joins, outcome);
            ActorSystem<Void> system = ClusterNode.start(Behaviors.setup(context -> {
                context.spawn(coordinator, "coordinator", DispatcherSelector.fromConfig(
                        ActorSystems.COORDINATOR_DISPATCHER));
                return Behaviors.empty();
            }), tls(NodeSettings.coordinator(launch.host(), launch.port(), launch.secret()), launch.tls()),
                    ActorSystems.clusterNode());
            system.getWhenTerminated().thenRun(() ->
                    outcome.fail("the coordinator's cluster node stopped before the run finished"));
            LocalWorkers local = null;
            try {
                ClusterNode.awaitUp(system, Duration.ofSeconds(30));
                var self = Cluster.get(system).selfMember().address();
                String address = self.getHost().get() + ":" + self.getPort().get();
                if (launch.startLocalWorkers()) {
                    // a worker lost during start-up fails the run; later the coordinator node re-runs its step
                    // with the others (down to cluster.min-workers) as for any worker that leaves the cluster
                    Consumer<String> onEarlyExit = exit -> {
                        if (joins.all()) {
                            console.println("cluster: " + exit + "; the run goes on without it");
                        } else {
                            outcome.fail(exit + " during start-up (its own log line above says why)");
                        }
                    };
                    local = launch.local() == WorkerStart.THREADS
                            ? new WorkerThreads(launch.workers(), address, launch.secret(), aeronDir, STREAM_ID,
                                    console::println, onEarlyExit)
                            : new WorkerProcesses(launch.workers(), address, launch.secret(),
                                    config.runtime().threads(), aeronDir, STREAM_ID, onEarlyExit);
                    console.printf(Locale.ROOT, "cluster: coordinator at %s, %s%n", address, local.describe());
                } else {
                    console.printf(Locale.ROOT, "cluster: coordinator at %s, waiting %d s for %d workers; on each "
                            + "worker node, with the same %s in the environment, run:%n  apollo worker --join %s%n",
                            address, TimeUnit.NANOSECONDS.toSeconds(deadlines.startNanos()), launch.workers(), dev.apollo.cluster.ClusterSecret.ENV,
                            address);
                }
                return outcome.await();
            } finally {
                if (outcome.finished()) {
                    leaveGracefully(system);
                }
                if (local != null) {
                    local.close();
                }
                ActorSystems.stop(system);
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    public static NodeSettings tls(NodeSettings node, TlsStores tls) {
        return tls == null ? node : node.withTls(tls);
    }

    /** Released workers exit by themselves; the coordinator waits a little for that before leaving the cluster. */
    private static void leaveGracefully(ActorSystem<Void> system) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Cluster cluster = Cluster.get(system);
        while (System.nanoTime() < deadline && java.util.stream.StreamSupport.stream(cluster.state().getMembers().spliterator(), false).count() > 1) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Prints who joins or is refused, and knows when every worker the run waited for has joined. */
    private static final class ConsoleJoins implements ClusterCoordinatorActor.JoinListener {
        private final PrintStream console;
        private volatile boolean all;

        ConsoleJoins(PrintStream console) {
            this.console = console;
        }

        boolean all() {
            return all;
        }

        @Override
        public void accepted(String workerId, String device, int joined, int needed) {
            if (all) {
                console.printf(Locale.ROOT, "cluster: %s joined (%s) mid-run, %d workers; admitted with a copy of "
                        + "the state at the next step boundary%n", workerId, device, joined);
            } else {
                console.printf(Locale.ROOT, "cluster: %s joined (%s), %d of %d%n", workerId, device, joined, needed);
                all = joined >= needed;
            }
        }

        @Override
        public void refused(String workerId, String reason) {
            console.printf(Locale.ROOT, "cluster: %s refused to join: %s%n", workerId, reason);
        }
    }
}
