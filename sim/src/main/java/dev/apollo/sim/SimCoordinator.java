package dev.apollo.sim;

import dev.apollo.coordinator.core.Core;
import dev.apollo.coordinator.node.CoordinatorNode;
import dev.apollo.coordinator.node.Deadline;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.coordinator.node.Timers;
import dev.apollo.coordinator.node.Transport;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.WorkerMessage;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The simulated coordinator process: the production {@link CoordinatorNode}, with the simulated network as its
 * transport and the virtual clock as its timers; nothing else. A restart is a new incarnation (epoch) with a new node
 * and core from the last durable checkpoint; anything addressed to an older incarnation is dropped, as a message to
 * a process that died is.
 */
final class SimCoordinator implements Transport<Long>, Timers {

    static final String NAME = "coordinator";

    private final Simulation sim;
    private final CoreFactory cores;
    private final NodeDeadlines settings;
    private CoordinatorNode<Long> node;
    private CoreFactory.Inbox inbox;
    private Consumer<CoordinatorMessage> toNode;
    private long epoch;
    private boolean up = true;
    /** By deadline kind: the newest deadline the node set, when it passes, and whether an event waits for it. */
    private final Deadline[] wanted = new Deadline[Deadline.Kind.values().length];
    private final long[] wantedAt = new long[Deadline.Kind.values().length];
    private final boolean[] pending = new boolean[Deadline.Kind.values().length];
    private String failure;
    /** Checkpoint states that arrived on the tensor plane, by worker and step, until written. */
    private final Map<String, Long> checkpointStates = new HashMap<>();

    SimCoordinator(Simulation sim, CoreFactory cores, NodeDeadlines settings, RunSnapshot start) {
        this.sim = sim;
        this.cores = cores;
        this.settings = settings;
        incarnate(start);
    }

    private void incarnate(RunSnapshot from) {
        Core core = cores.start(sim.plan(), from);
        inbox = cores.inbox(core);
        Core observed = event -> {
            sim.trace().add(TraceEntry.Kind.EVENT, NAME, event);
            List<CoreCommand> commands = core.on(event);
            for (CoreCommand command : commands) {
                sim.trace().add(TraceEntry.Kind.COMMAND, NAME, command);
                sim.issued(command);
            }
            return commands;
        };
        node = new CoordinatorNode<>(observed, this, this,
                (state, expansion) -> ReplicaDigest.afterExpansion(state, expansion.toWeights(), expansion.sourceOfSlot()),
                settings, new RunListener() {
                    @Override
                    public void onFailed(String message) {
                        failure = message;
                    }
                });
        node.start(from, sim.plan().minWorkers());
        toNode = node::onMessage;
    }

    long epoch() {
        return epoch;
    }

    boolean up() {
        return up;
    }

    boolean finished() {
        return node.finalSnapshot() != null;
    }

    /** Why the node gave the run up, or null. */
    String failure() {
        return failure;
    }

    void crash() {
        up = false;
    }

    /** Back up as a new incarnation, resumed from {@code from}. */
    void restart(RunSnapshot from) {
        epoch++;
        up = true;
        Arrays.fill(pending, false); // the old incarnation's timer events die with it
        checkpointStates.clear();
        incarnate(from);
    }

    /** A message from a worker (a reply, or a membership change), addressed to incarnation {@code to}. */
    void receive(long to, Object message) {
        if (!up || to != epoch) {
            return;
        }
        if (message instanceof CoordinatorMessage reply) {
            inbox.deliver(reply, toNode);
        } else {
            node.onMembership((CoreEvent) message);
        }
    }

    /** A worker's canonical state for the checkpoint before {@code step} on the tensor plane, and its report. */
    void onCheckpointState(long to, String worker, long step, long state) {
        if (up && to == epoch) {
            checkpointStates.put(worker + "@" + step, state);
            receive(to, new CheckpointCompleted(step, worker, ""));
        }
    }

    /** A worker's state for an expansion, on the tensor plane. */
    void onPulled(long to, String worker, long step, long round, long state) {
        if (up && to == epoch) {
            node.onStatePulled(worker, step, round, state);
        }
    }

    // ---- Transport

    @Override
    public void send(String workerId, WorkerMessage message) {
        SimWorker worker = sim.worker(workerId);
        long from = epoch; // the sender's incarnation, as the messages carry it
        if (worker != null) {
            sim.send(this, worker, Simulation.CONTROL_BYTES, message, () -> worker.receive(from, message));
        }
    }

    /** A simulated worker reads the checkpoint from the shared durable storage. */
    @Override
    public void restore(String workerId, RestoreState restore) {
        send(workerId, restore);
    }

    @Override
    public void push(String workerId, long step, long round, int weights, Long state) {
        SimWorker worker = sim.worker(workerId);
        long from = epoch;
        if (worker != null) {
            sim.send(this, worker, sim.cost().stateBytes(weights), "expanded state " + step,
                    () -> worker.onPush(from, step, round, weights, state));
        }
    }

    /** Written at once and whole: the durable store the coordinator process writes to. */
    @Override
    public String writeCheckpoint(String workerId, RunSnapshot snapshot) {
        Long state = checkpointStates.remove(workerId + "@" + snapshot.nextStep());
        if (state == null) {
            throw new IllegalStateException("no state from " + workerId + " for the checkpoint " + snapshot);
        }
        sim.storage().write(snapshot, state);
        sim.checker().checkpointWritten(snapshot, state);
        return "sim://checkpoint/" + snapshot.nextStep();
    }

    @Override
    public void down(String workerId) {
        SimWorker worker = sim.worker(workerId);
        long from = epoch;
        if (worker != null) {
            sim.send(this, worker, Simulation.CONTROL_BYTES, "down " + workerId, () -> worker.onDown(from));
        }
    }

    // ---- Timers

    /**
     * Only the newest deadline of a kind counts, and the node sets one every step: instead of an event for each, one
     * event per kind is pending, and when it fires early for a deadline set since, it waits on for that one.
     */
    @Override
    public void start(Deadline deadline, long delayNanos) {
        int kind = deadline.kind().ordinal();
        wanted[kind] = deadline;
        wantedAt[kind] = sim.queue().now() + delayNanos;
        if (!pending[kind]) {
            pending[kind] = true;
            long setBy = epoch;
            sim.queue().after(delayNanos, () -> deadlineDue(kind, setBy));
        }
    }

    private void deadlineDue(int kind, long setBy) {
        if (!up || epoch != setBy) {
            return; // that incarnation is gone, and its timers with it
        }
        long now = sim.queue().now();
        if (now < wantedAt[kind]) {
            sim.queue().after(wantedAt[kind] - now, () -> deadlineDue(kind, setBy));
            return;
        }
        pending[kind] = false;
        node.onDeadline(wanted[kind]);
    }
}
