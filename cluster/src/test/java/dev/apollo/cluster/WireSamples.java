package dev.apollo.cluster;

import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.JoinAccepted;
import dev.apollo.protocol.JoinOffer;
import dev.apollo.protocol.JoinRefused;
import dev.apollo.protocol.LeaveAnswered;
import dev.apollo.protocol.LeaveOrdered;
import dev.apollo.protocol.LeaveRequested;
import dev.apollo.protocol.PeerDirectory;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepStalled;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WireRegistry;
import dev.apollo.protocol.WorkerFailed;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A sample value of every class in WireRegistry, keyed by class. */
final class WireSamples {

    static final RunSnapshot SNAPSHOT = new RunSnapshot(1200, 2, 6, 42, 9_830_400, 3.5e15);
    static final RunStep RUN_STEP = new RunStep(17, 1, 2, 6, 9, List.of(0, 1, 2, 3, 4, 5, 5, 4, 3), 3e-4,
            List.of(new Shard("worker-a", 0, 16), new Shard("worker-b", 16, 16)));
    static final StepCompleted STEP_COMPLETED = new StepCompleted(17, 1, "worker-b", 16, false, 3.25, 0.75, 1.5);
    static final PushState PUSH_STATE = new PushState(300, 2, 6, null);

    private WireSamples() {}

    static Map<Class<?>, Object> all() {
        Map<Class<?>, Object> samples = new LinkedHashMap<>();
        for (Object sample : List.of(
                RUN_STEP,
                new Evaluate(100, List.of(0, 1, 2), List.of(0, 1), "worker-a"),
                new WriteCheckpoint(SNAPSHOT, "worker-a"),
                new PullState(300, 2, 3),
                PUSH_STATE,
                new SyncState(301, 6, "worker-a", List.of("worker-c")),
                new RestoreState(SNAPSHOT, List.of("worker-a", "worker-b", "worker-c")),
                new ReleaseWorker("worker-b"),
                STEP_COMPLETED,
                new StepStalled(17, 1, "worker-a"),
                new EvaluationCompleted(100, "worker-a", 4.5, 4.75),
                new CheckpointCompleted(1200, "worker-a", "/runs/r1/step-1200"),
                new StatePulled(300, 2, "worker-a", null),
                new StatePushed(300, 2, "worker-b", "9f86d081884c7d65"),
                new StateSynced(301, "worker-c"),
                new StateRestored(1200, "worker-b"),
                new WorkerFailed("worker-b", "CUDA out of memory"),
                new Shard("worker-a", 0, 16),
                SNAPSHOT,
                List.of("a", "b", "c"), // ImmutableCollections.ListN
                List.of(7), // ImmutableCollections.List12
                new JoinOffer("worker-2", WireRegistry.PROTOCOL_VERSION, "apollo { train.steps = 20 }", 6_041_913,
                        "ab".repeat(32), "aeron:udp?endpoint=10.0.0.1:40123", 7, true),
                new JoinAccepted("worker-2", "aeron:udp?endpoint=10.0.0.2:40777", 9, "cpu()"),
                new JoinRefused("worker-2", "another corpus: 12 bytes, sha256 0f..."),
                new PeerDirectory(List.of(new PeerDirectory.Peer("worker-0", "aeron:ipc", 11),
                        new PeerDirectory.Peer("worker-1", "aeron:udp?endpoint=10.0.0.3:40999", 12))),
                new PeerDirectory.Peer("worker-9", "aeron:ipc", 19),
                new LeaveRequested("worker-3"),
                new LeaveOrdered("worker-3", "pekko://apollo@10.0.0.4:40555/user#-1203"),
                new LeaveAnswered("worker-3", true, "worker-3 leaves after its step"))) {
            samples.put(sample.getClass(), sample);
        }
        return samples;
    }
}
