package dev.apollo.cli.cluster;

import dev.apollo.cluster.ClusterNode;
import dev.apollo.cluster.NodeSettings;
import dev.apollo.cluster.ServiceKeys;
import dev.apollo.protocol.LeaveAnswered;
import dev.apollo.protocol.LeaveOrdered;
import dev.apollo.run.ActorSystems;
import dev.apollo.run.UsageError;
import dev.apollo.run.cluster.ClusterRun;
import dev.apollo.run.cluster.WorkerProcess;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo leave}: asks a running coordinator to let one worker go after its step, as if the worker had been
 * sent SIGTERM. It joins the cluster for a moment (with the cluster's secret), finds the coordinator through the
 * Receptionist, waits for its answer, and leaves.
 */
@Command(name = "leave", mixinStandardHelpOptions = true,
        description = "Ask a running coordinator to let one worker go after its step (the worker exits 0).")
public final class LeaveCommand implements Callable<Integer> {

    @Option(names = "--worker", required = true, paramLabel = "ID", description = "The worker, as the coordinator named it (worker-3).")
    String workerId;

    @Option(names = "--coordinator", required = true, paramLabel = "HOST:PORT", description = "The coordinator's address, as it printed it.")
    String coordinator;

    @Option(names = "--bind", paramLabel = "HOST", description = "This node's address (default: the local address that reaches the coordinator).")
    String bind;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30", description = "How long to wait for the coordinator's answer. Default: 30.")
    int timeoutSeconds;

    @Mixin
    ClusterSecurity security;

    private record Found(Receptionist.Listing listing) {}

    @Override
    public Integer call() {
        if (timeoutSeconds < 1) {
            throw new UsageError("--timeout " + timeoutSeconds + ": must be >= 1 (seconds)");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        String host = bind != null ? bind : WorkerProcess.localAddressToward(coordinator);
        CompletableFuture<LeaveAnswered> answer = new CompletableFuture<>();
        ActorSystem<Object> system = ClusterNode.start(asking(answer), ClusterRun.tls(
                NodeSettings.control(host, coordinator, security.secret()).withJoinTimeout(timeout), security.tls()),
                ActorSystems.clusterNode());
        try {
            ClusterNode.awaitUp(system, timeout.plusSeconds(5));
        } catch (IllegalStateException e) {
            System.err.println("apollo leave: " + e.getMessage());
            return e.getMessage().contains("refused") ? 2 : 1;
        }
        try {
            LeaveAnswered answered = answer.completeOnTimeout(null, timeoutSeconds, TimeUnit.SECONDS).join();
            if (answered == null) {
                System.err.println("apollo leave: the coordinator at " + coordinator + " did not answer within "
                        + timeoutSeconds + " s");
                return 1;
            }
            if (!answered.accepted()) {
                System.err.println("apollo leave: " + answered.message());
                return 2;
            }
            System.out.println("apollo leave: " + answered.message());
            return 0;
        } finally {
            ActorSystems.stop(system); // leaves the cluster in order
        }
    }

    private Behavior<Object> asking(CompletableFuture<LeaveAnswered> answer) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.subscribe(ServiceKeys.COORDINATOR,
                    context.messageAdapter(Receptionist.Listing.class, Found::new)));
            String self = ActorRefResolver.get(context.getSystem()).toSerializationFormat(context.getSelf());
            Behavior<Object> awaitingAnswer = Behaviors.receive(Object.class)
                    .onMessage(LeaveAnswered.class, answered -> {
                        answer.complete(answered);
                        return Behaviors.same();
                    })
                    .build();
            return Behaviors.receive(Object.class)
                    .onMessage(Found.class, found -> {
                        var coordinators = found.listing().getServiceInstances(ServiceKeys.COORDINATOR);
                        if (coordinators.isEmpty()) {
                            return Behaviors.same();
                        }
                        coordinators.forEach(ref -> ref.tell(new LeaveOrdered(workerId, self))); // asked once
                        return awaitingAnswer;
                    })
                    .build();
        });
    }
}
