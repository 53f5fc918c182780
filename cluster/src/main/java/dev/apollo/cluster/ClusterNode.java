package dev.apollo.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** Starts an apollo node and waits, bounded, until it is a member of the cluster or says why it is not. */
public final class ClusterNode {

    private ClusterNode() {}

    /**
     * An actor system named {@value ClusterConfigs#SYSTEM_NAME} with {@link ClusterConfigs#build}'s configuration
     * and {@code guardian}. A worker starts joining its seed; a coordinator on port 0 joins itself at the address it
     * bound (one on a fixed port has itself as seed in its configuration).
     */
    public static <T> ActorSystem<T> start(Behavior<T> guardian, NodeSettings node) {
        return start(guardian, node, ConfigFactory.empty());
    }

    /** The same, with {@code overrides} (dispatchers, say) over the node's configuration. */
    public static <T> ActorSystem<T> start(Behavior<T> guardian, NodeSettings node, Config overrides) {
        ActorSystem<T> system = ActorSystem.create(guardian, ClusterConfigs.SYSTEM_NAME,
                overrides.withFallback(ClusterConfigs.build(node)));
        if (node.role() == NodeRole.COORDINATOR && node.port() == 0) {
            Cluster cluster = Cluster.get(system);
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
        return system;
    }

    /**
     * Returns once this node is Up; otherwise terminates {@code system} and throws {@link IllegalStateException}
     * with the reason in one line: the seed refused it (another secret or protocol version), no seed answered
     * within the join timeout, or nothing happened within {@code timeout}.
     */
    public static void awaitUp(ActorSystem<?> system, Duration timeout) {
        CompletableFuture<Boolean> upOrTerminated = new CompletableFuture<>();
        org.apache.pekko.cluster.Cluster.get(system.classicSystem())
                .registerOnMemberUp(() -> upOrTerminated.complete(true));
        system.getWhenTerminated().thenRun(() -> upOrTerminated.complete(false));
        Address self = Cluster.get(system).selfMember().address();
        Boolean up = upOrTerminated.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        if (up == null) {
            system.terminate();
            throw new IllegalStateException(self + " did not become a cluster member within " + timeout.toMillis()
                    + " ms");
        }
        if (!up) {
            throw new IllegalStateException(self + " " + whyStopped(system));
        }
    }

    private static String whyStopped(ActorSystem<?> system) {
        Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(system).getShutdownReason();
        if (reason.isEmpty()) {
            return "stopped before joining the cluster";
        }
        CoordinatedShutdown.Reason cause = reason.get();
        if (cause.equals(CoordinatedShutdown.incompatibleConfigurationDetectedReason())) {
            return "was refused by the coordinator: another cluster secret or wire protocol version "
                    + "(the coordinator's log says which)";
        }
        if (cause.equals(CoordinatedShutdown.clusterJoinUnsuccessfulReason())) {
            return "found no coordinator at its seed within the join timeout "
                    + "(pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes)";
        }
        if (cause.equals(CoordinatedShutdown.clusterDowningReason())) {
            return "was downed by the cluster while joining";
        }
        return "stopped before joining the cluster (" + cause + ")";
    }
}
