package dev.apollo.run.cluster;

import dev.apollo.cluster.ClusterNode;
import dev.apollo.cluster.NodeSettings;
import dev.apollo.cluster.TlsStores;
import dev.apollo.run.ActorSystems;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.cluster.WorkerHost;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * One membership of a coordinator's cluster, from joining to its end: a cluster node of its own running a
 * {@link WorkerHost}, and a tensor plane. {@code apollo worker} runs one after another (a coordinator that comes back
 * is joined as a new member); workers that {@code apollo train --workers N --in-process} runs as threads run one each.
 *
 * @param host this node's address, for the cluster and the plane
 * @param join the coordinator's address
 * @param plane the plane's settings: IPC on a driver shared with the coordinator, or UDP with a driver of its own
 */
record WorkerMembership(String host, String join, String secret, TlsStores tls, TensorPlane.Settings plane,
        WorkerHost.Admission admission, Consumer<String> console) {

    /** The largest gradient sum a worker's plane takes: 2^28 int64 values (2 GiB), far beyond a device's model. */
    static final int MAX_GRADIENT_ELEMENTS = 1 << 28;
    private static final String NOT_FOUND = "not found yet: ";

    /** Whether an exit says the coordinator was not found while looking for it again. */
    static boolean notFound(WorkerHost.Exit exit) {
        return exit.message().startsWith(NOT_FOUND);
    }

    /**
     * Joins within {@code joinTimeout} and runs until the membership ends; {@code member} holds the cluster node
     * meanwhile (to tell it to leave), {@code watch} is called with the exit still to come.
     */
    WorkerHost.Exit run(Duration joinTimeout, boolean rejoining, AtomicReference<ActorSystem<Object>> member,
            Consumer<CompletableFuture<WorkerHost.Exit>> watch) {
        CompletableFuture<WorkerHost.Exit> exit = new CompletableFuture<>();
        try (TensorPlane tensors = AeronDirectories.closedOnExit(TensorPlane.start(plane))) {
            ActorSystem<Object> system = ClusterNode.start(WorkerHost.create(tensors, admission, console, exit),
                    ClusterRun.tls(NodeSettings.worker(host, 0, join, secret).withJoinTimeout(joinTimeout), tls),
                    ActorSystems.clusterNode());
            member.set(system);
            system.getWhenTerminated().thenRun(() -> exit.complete(new WorkerHost.Exit(1,
                    "left the cluster: the coordinator is gone or declared this worker dead", true)));
            watch.accept(exit);
            try {
                ClusterNode.awaitUp(system, joinTimeout.plusSeconds(5));
            } catch (IllegalStateException e) {
                // an offer refused at once can end the process before it saw itself Up: the refusal is the news
                WorkerHost.Exit early = exit.getNow(null);
                ActorSystems.stop(system);
                if (early != null && early.code() == 2) {
                    return early;
                }
                boolean refused = e.getMessage().contains("refused");
                return refused || !rejoining ? new WorkerHost.Exit(refused ? 2 : 1, e.getMessage())
                        : new WorkerHost.Exit(1, NOT_FOUND + e.getMessage(), true);
            }
            WorkerHost.Exit done = exit.join();
            ActorSystems.stop(system);
            return done;
        } finally {
            member.set(null);
        }
    }
}
