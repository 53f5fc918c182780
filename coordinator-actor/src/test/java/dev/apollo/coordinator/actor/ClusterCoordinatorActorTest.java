package dev.apollo.coordinator.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.apollo.cluster.ClusterNode;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.MomentPolicy;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.ControlMessage;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.LeaveAnswered;
import dev.apollo.protocol.LeaveOrdered;
import dev.apollo.tensor.TensorPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The cluster coordinator on a one-node cluster: what an operator's command sends it cannot fail the run. */
@Timeout(60)
class ClusterCoordinatorActorTest {

    @Test
    void aLeaveOrderForNoWorkerOrWithABadReplyAddressLeavesTheRunWaiting(@TempDir Path dir) throws Exception {
        RunPlan plan = RunPlan.from(ConfigLoader.load("tiny", null, List.of("train.steps=20")));
        RunOutcome outcome = new RunOutcome();
        CompletableFuture<ActorRef<CoordinatorMessage>> coordinator = new CompletableFuture<>();
        try (TensorPlane plane = TensorPlane.start(TensorPlane.Settings.ipc(dir.resolve("aeron"), true, 1001, 1))) {
            var actor = ClusterCoordinatorActor.create(new ClusterCoordinatorActor.RunSetup(plan, plan.freshStart(), 1,
                    new ClusterCoordinatorActor.Offer("apollo {}", 1, "00"), plane, Duration.ofSeconds(5),
                    (snapshot, state) -> "unused", snapshot -> null),
                    new NodeDeadlines(20_000_000_000L, 20_000_000_000L, 0, 60_000_000_000L), MomentPolicy.COPY,
                    new RunListener() {},
                    new ClusterCoordinatorActor.JoinListener() {
                        @Override
                        public void accepted(String workerId, String device, int joined, int needed) {}

                        @Override
                        public void refused(String workerId, String reason) {}
                    }, outcome);
            ActorSystem<Void> system = ClusterNode.start(Behaviors.setup(context -> {
                coordinator.complete(context.spawn(actor, "coordinator").narrow());
                return Behaviors.empty();
            }), dev.apollo.cluster.NodeSettings.coordinator("127.0.0.1", 0, "s3cret"));
            ActorTestKit kit = ActorTestKit.create(system);
            try {
                ActorRef<CoordinatorMessage> ref = coordinator.get(30, TimeUnit.SECONDS);
                TestProbe<ControlMessage> operator = kit.createTestProbe();
                String replyTo = ActorRefResolver.get(system).toSerializationFormat(operator.getRef());

                ref.tell(new LeaveOrdered("worker-0", "not an actor reference"));
                ref.tell(new LeaveOrdered(null, replyTo));
                assertFalse(operator.expectMessageClass(LeaveAnswered.class).accepted());
                ref.tell(new LeaveOrdered("worker-9", replyTo));
                LeaveAnswered answer = operator.expectMessageClass(LeaveAnswered.class);
                assertEquals(new LeaveAnswered("worker-9", false, "no worker-9 in this run; its workers: "), answer);
                assertFalse(outcome.ended(), "the run still waits for its worker");
            } finally {
                kit.shutdownTestKit();
            }
        }
    }
}
