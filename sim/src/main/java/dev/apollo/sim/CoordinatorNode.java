package dev.apollo.sim;

import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The simulated coordinator process: the shell around the core under test, as the Pekko actor is around the real
 * one. It delivers what reaches it to the core, has every command checked as it is issued and carries it out over
 * the network: steps to their shard owners, an evaluation or checkpoint to one holder of the state, an expansion by
 * pulling the state from one holder and pushing the expanded state to all. Its failure detector declares a worker
 * dead a fixed timeout after the worker crashed or was cut off, if it still is.
 *
 * <p>A restart is a new incarnation (epoch) with a new core from the last durable checkpoint; anything addressed to
 * an older incarnation is dropped.
 */
final class CoordinatorNode {

    static final String NAME = "coordinator";

    private final Simulation sim;
    private final CoreFactory cores;
    /** Workers holding (or being given) the run's state, as the core's commands said: where commands go. */
    private final TreeSet<String> holders = new TreeSet<>();
    /** Live workers this incarnation declared dead: on reconnecting they learn it and restart. */
    private final Set<String> expelled = new HashSet<>();
    private final Set<String> awaitingPush = new HashSet<>();
    private CoreFactory.Core core;
    private long epoch;
    private boolean up = true;
    private boolean finished;
    private long round;
    private ExpandWeights expansion;
    private long expanded;

    CoordinatorNode(Simulation sim, CoreFactory cores, RunSnapshot start) {
        this.sim = sim;
        this.cores = cores;
        this.core = cores.start(sim.plan(), start);
    }

    long epoch() {
        return epoch;
    }

    boolean up() {
        return up;
    }

    boolean finished() {
        return finished;
    }

    boolean expelled(String worker) {
        return expelled.contains(worker);
    }

    void crash() {
        up = false;
    }

    /** Back up as a new incarnation, its core resumed from {@code from}. */
    void restart(RunSnapshot from) {
        epoch++;
        up = true;
        holders.clear();
        expelled.clear();
        awaitingPush.clear();
        expansion = null;
        core = cores.start(sim.plan(), from);
    }

    /** A message from a worker, addressed to incarnation {@code to}. */
    void receive(long to, CoreEvent event) {
        if (up && to == epoch) {
            deliver(event);
        }
    }

    private void deliver(CoreEvent event) {
        sim.trace().add(TraceEntry.Kind.EVENT, NAME, event);
        if (event instanceof WorkerLeft left) {
            holders.remove(left.workerId());
        }
        for (CoreCommand command : core.on(event)) {
            sim.trace().add(TraceEntry.Kind.COMMAND, NAME, command);
            sim.issued(command);
            carryOut(command);
        }
    }

    private void carryOut(CoreCommand command) {
        long from = epoch; // the sender's incarnation, as the messages carry it
        if (command instanceof RunStep || command instanceof SyncState || command instanceof RestoreState) {
            expansion = null; // the core has moved on: an expansion round still under way is void
            round++;
        }
        if (command instanceof RunStep step) {
            sim.stepIssued(step);
            for (Shard shard : step.shards()) {
                toWorker(shard.workerId(), step, worker -> worker.onRunStep(from, step));
            }
        } else if (command instanceof Evaluate evaluate) {
            toWorker(firstHolder(), evaluate, worker -> worker.onEvaluate(from, evaluate));
        } else if (command instanceof WriteCheckpoint checkpoint) {
            toWorker(firstHolder(), checkpoint, worker -> worker.onWriteCheckpoint(from, checkpoint));
        } else if (command instanceof ExpandWeights expand) {
            expansion = expand;
            awaitingPush.clear();
            long pull = ++round;
            toWorker(firstHolder(), "pull " + expand, worker -> worker.onPull(from, pull, expand));
        } else if (command instanceof SyncState sync) {
            holders.addAll(sync.targets());
            toWorker(sync.sourceWorker(), sync, worker -> worker.onSync(from, sync));
        } else if (command instanceof RestoreState restore) {
            holders.addAll(restore.workers());
            for (String id : restore.workers()) {
                toWorker(id, restore, worker -> worker.onRestore(from, restore.snapshot()));
            }
        } else if (command instanceof ReleaseWorker release) {
            holders.remove(release.workerId());
            toWorker(release.workerId(), release, worker -> worker.onRelease(from));
        } else if (command instanceof FinishRun) {
            finished = true;
        }
        // RecordStep and RecordValidation only log, and the trace holds them
    }

    private String firstHolder() {
        return holders.isEmpty() ? null : holders.first();
    }

    private void toWorker(String id, Object what, Consumer<SimWorker> action) {
        SimWorker worker = id == null ? null : sim.worker(id);
        if (worker != null) {
            sim.send(this, worker, Simulation.CONTROL_BYTES, what, () -> action.accept(worker));
        }
    }

    /** The state to expand arrived: push the expanded state to every holder. */
    void onPulled(long to, long pull, long state) {
        if (!up || to != epoch || pull != round || expansion == null) {
            return;
        }
        ExpandWeights expand = expansion;
        expanded = ReplicaDigest.afterExpansion(state, expand.toWeights(), expand.sourceOfSlot());
        awaitingPush.addAll(holders);
        long push = round;
        long digest = expanded;
        for (String id : holders) {
            SimWorker worker = sim.worker(id);
            if (worker != null) {
                sim.send(this, worker, sim.cost().stateBytes(expand.toWeights()), "expanded state " + expand.step(),
                        () -> worker.onPush(to, push, expand, digest));
            }
        }
    }

    void onPushed(long to, long push, String worker) {
        if (up && to == epoch && push == round && expansion != null && awaitingPush.remove(worker)
                && awaitingPush.isEmpty()) {
            deliver(new ExpansionCompleted(expansion.step(), expansion.toWeights(), ReplicaDigest.hex(expanded)));
        }
    }

    /** Declares {@code worker} dead a timeout from now, if it has not come back by then (a crash never does). */
    void watch(SimWorker worker) {
        if (!up) {
            return; // nobody watching; a restarted incarnation only knows workers that join it
        }
        long watching = epoch;
        sim.queue().after(sim.detectionTimeoutNanos(), () -> {
            boolean gone = !worker.alive() || sim.network().isCutOff(worker.index);
            if (up && epoch == watching && gone) {
                if (worker.alive()) {
                    expelled.add(worker.id);
                    sim.stats().workerExpelled();
                }
                deliver(new WorkerLeft(worker.id));
            }
        });
    }
}
