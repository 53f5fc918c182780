package dev.apollo.worker.cluster;

import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.PlaneTags;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepStalled;
import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.ExchangeAbandonedException;
import dev.apollo.tensor.PeerTimeoutException;
import dev.apollo.tensor.Ring;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.train.GradientExchange;
import dev.apollo.worker.train.StepAbandonedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A step's gradient sum over the Aeron ring of its shard owners, in shard order. While the exchange waits on a peer
 * for longer than {@code stallReport}, the coordinator is told this worker is alive ({@link StepStalled}), so that
 * at the deadline only the silent owners are declared dead.
 */
final class RingGradientExchange implements GradientExchange.Steps {

    private final String workerId;
    private final TensorPlane plane;
    private final PeerEndpoints peers;
    private final ActorRef<CoordinatorMessage> coordinator;
    private final ScheduledExecutorService clock;
    private final Duration timeout;
    private final Duration stallReport;

    RingGradientExchange(String workerId, TensorPlane plane, PeerEndpoints peers, ActorRef<CoordinatorMessage> coordinator,
            ScheduledExecutorService clock, Duration timeout, Duration stallReport) {
        this.workerId = workerId;
        this.peers = peers;
        this.plane = plane;
        this.coordinator = coordinator;
        this.clock = clock;
        this.timeout = timeout;
        this.stallReport = stallReport;
    }

    /** Gives up every exchange before {@code step}'s: the coordinator has moved on to it (a re-run, or later). */
    void abandonBefore(RunStep step) {
        plane.abandon(PlaneTags.gradients(step.step(), step.attempt()) - 1);
    }

    @Override
    public GradientExchange forStep(RunStep step) {
        List<Endpoint> members = new ArrayList<>();
        int rank = -1;
        for (Shard shard : step.shards()) {
            Endpoint endpoint = peers.of(shard.workerId(), "step " + step.step());
            if (shard.workerId().equals(workerId)) {
                rank = members.size();
            }
            members.add(endpoint);
        }
        if (rank < 0) {
            throw new IllegalStateException("step " + step.step() + " has no shard for " + workerId);
        }
        Ring ring = new Ring(members, rank);
        long tag = PlaneTags.gradients(step.step(), step.attempt());
        return (values, count) -> {
            ScheduledFuture<?> stalled = clock.schedule(
                    () -> coordinator.tell(new StepStalled(step.step(), step.attempt(), workerId)),
                    stallReport.toNanos(), TimeUnit.NANOSECONDS);
            try {
                plane.sum(ring, tag, values, count, timeout);
            } catch (ExchangeAbandonedException | PeerTimeoutException e) {
                throw new StepAbandonedException("step " + step.step() + " attempt " + step.attempt() + ": "
                        + e.getMessage(), e);
            } finally {
                stalled.cancel(false);
            }
        };
    }
}
