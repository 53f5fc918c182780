package dev.apollo.sim;

import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.PlaneTags;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepStalled;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulated worker process: a device that computes shards in the time the cost model says, takes part in the
 * all-reduce ring of each step attempt, and keeps its replica's state as a digest ({@link SimReplica}). It acts
 * only on what reaches it over the network, and only for the newest coordinator incarnation and step attempt it
 * has seen: a late or duplicated command changes nothing.
 */
final class SimWorker {

    /** A step attempt: orders commands and ring chunks, newest coordinator incarnation first. */
    record AttemptKey(long epoch, long step, int attempt) implements Comparable<AttemptKey> {
        @Override
        public int compareTo(AttemptKey other) {
            int byEpoch = Long.compare(epoch, other.epoch);
            if (byEpoch != 0) {
                return byEpoch;
            }
            int byStep = Long.compare(step, other.step);
            return byStep != 0 ? byStep : Integer.compare(attempt, other.attempt);
        }
    }

    /** A ring fragment as the trace shows it. */
    private record Chunk(long step, int attempt, int ringStep, int position) {}

    /** This worker's part in one step attempt. */
    private final class Attempt implements SimRing.Successor {
        final AttemptKey key;
        final RunStep step;
        final Shard shard;
        final long input;
        final SimRing ring;
        final SimWorker successor;
        final long startedAt = sim.queue().now();
        boolean done;
        /** When its ring has waited long enough to be reported, once it computed; MAX_VALUE before. */
        long stallsAt = Long.MAX_VALUE;
        boolean stallReported;

        Attempt(AttemptKey key, RunStep step, int position, long input) {
            this.key = key;
            this.step = step;
            this.shard = step.shards().get(position);
            this.input = input;
            this.ring = new SimRing(PlaneTags.gradients(step.step(), step.attempt()), position, step.shards().size(),
                    sim.fragmentRule());
            this.successor = sim.worker(step.shards().get((position + 1) % step.shards().size()).workerId());
        }

        @Override
        public void send(SimRing.Fragment fragment) {
            if (successor != null) {
                double bytes = sim.cost().gradientBytes(step.weights()) * fragment.values().length
                        / SimData.GRADIENT_ELEMENTS;
                sim.send(SimWorker.this, successor, bytes, new Chunk(key.step(), key.attempt(), fragment.step(),
                        fragment.position()), () -> successor.onFragment(key, fragment));
            }
        }
    }

    final String id;
    /** The id's stem: a restarted process is the same machine under a new id. */
    final String stem;
    final int index;
    private final Simulation sim;
    private final SimReplica replica;
    /** Fragments of attempts this worker has not started yet, kept until it does. */
    private final Map<AttemptKey, List<SimRing.Fragment>> early = new HashMap<>();
    private boolean alive = true;
    private boolean leaving;
    private long epoch;
    /** The incarnation that admitted this worker (gave it the state), and one whose restore is loading. */
    private long admittedBy = -1;
    private long restoringFor = -1;
    private double slowdown = 1;
    private Attempt attempt;
    private boolean stallCheckPending;

    SimWorker(Simulation sim, String id, String stem, int index, long epoch) {
        this.sim = sim;
        this.id = id;
        this.stem = stem;
        this.index = index;
        this.epoch = epoch;
        this.replica = new SimReplica(sim.tentativeUpdate(), (state, cause) ->
                sim.checker().updated(id, state.step(), state.weights(), state.digest(), cause));
    }

    boolean alive() {
        return alive;
    }

    boolean leaving() {
        return leaving;
    }

    Long digest(long step, int weights) {
        return replica.digest(step, weights);
    }

    /** Announces itself to the coordinator incarnation it knows. */
    void join() {
        sim.toCoordinator(this, epoch, new WorkerJoined(id));
    }

    void leave() {
        leaving = true;
        sim.toCoordinator(this, epoch, new WorkerLeaving(id));
    }

    void crash() {
        alive = false;
    }

    void slowDown(double factor) {
        slowdown = factor;
    }

    /** Whether a command from coordinator incarnation {@code from} is to be acted on; adopts a newer one. */
    private boolean current(long from) {
        if (!alive || from < epoch) {
            return false;
        }
        epoch = from;
        return true;
    }

    private long nanos(double seconds) {
        return Math.max(1, Math.round(seconds * slowdown * 1e9));
    }

    /** A command from coordinator incarnation {@code from}. */
    void receive(long from, WorkerMessage message) {
        if (message instanceof RunStep step) {
            onRunStep(from, step);
        } else if (message instanceof Evaluate evaluate) {
            onEvaluate(from, evaluate);
        } else if (message instanceof WriteCheckpoint checkpoint) {
            onWriteCheckpoint(from, checkpoint);
        } else if (message instanceof PullState pull) {
            onPull(from, pull);
        } else if (message instanceof SyncState sync) {
            onSync(from, sync);
        } else if (message instanceof RestoreState restore) {
            onRestore(from, restore.snapshot());
        } else if (message instanceof ReleaseWorker) {
            onRelease(from);
        } else {
            throw new IllegalArgumentException("the expanded state comes through onPush: " + message);
        }
    }

    private void onRunStep(long from, RunStep step) {
        AttemptKey key = new AttemptKey(from, step.step(), step.attempt());
        if (!current(from) || (attempt != null && key.compareTo(attempt.key) <= 0)) {
            return;
        }
        int position = 0;
        while (position < step.shards().size() && !step.shards().get(position).workerId().equals(id)) {
            position++;
        }
        if (position == step.shards().size()) {
            return; // not an owner
        }
        SimReplica.State input = replica.beforeStep(step.step(), step.weights());
        if (input == null) {
            return; // without a state to train (the checker has said so)
        }
        Attempt started = new Attempt(key, step, position, input.digest());
        attempt = started;
        early.keySet().removeIf(pending -> pending.compareTo(key) < 0);
        long compute = nanos(sim.cost().computeSeconds(step.depth(), step.weights(), started.shard.microBatches() * sim.rowsPerMicroBatch()));
        sim.queue().after(compute, () -> computed(started));
    }

    private void computed(Attempt computing) {
        if (!alive || attempt != computing) {
            return;
        }
        if (sim.trace().on()) {
            sim.trace().add(TraceEntry.Kind.COMPUTE, id, "gradient of step " + computing.step.step() + " attempt "
                    + computing.step.attempt() + " micro-batches " + computing.shard.firstMicroBatch() + "+"
                    + computing.shard.microBatches());
        }
        Shard shard = computing.shard;
        long now = sim.queue().now();
        List<SimRing.Fragment> arrived = early.remove(computing.key);
        if (arrived != null) {
            arrived.forEach(fragment -> computing.ring.receive(fragment, now, computing));
        }
        computing.ring.contribute(SimData.gradient(sim.plan().seed(), computing.step.step(),
                shard.firstMicroBatch(), shard.microBatches()), now, computing);
        finishIfReduced(computing);
        // a ring that waits on a peer for long is reported, so the coordinator knows this worker is alive
        computing.stallsAt = sim.queue().now() + sim.stallReportNanos();
        if (!stallCheckPending) {
            stallCheckPending = true;
            sim.queue().after(sim.stallReportNanos(), this::checkStall);
        }
    }

    /**
     * Reports the attempt under way if its ring has waited too long. One check is pending at a time: most rings
     * finish first, and a check that finds a newer attempt waits for that one's time instead.
     */
    private void checkStall() {
        stallCheckPending = false;
        Attempt waiting = attempt;
        if (!alive || waiting == null || waiting.done || waiting.stallReported || waiting.stallsAt == Long.MAX_VALUE) {
            return; // nothing waits on peers; an attempt still computing schedules its own check when it is done
        }
        long now = sim.queue().now();
        if (now < waiting.stallsAt) {
            stallCheckPending = true;
            sim.queue().after(waiting.stallsAt - now, this::checkStall);
            return;
        }
        waiting.stallReported = true;
        sim.toCoordinator(this, waiting.key.epoch(), new StepStalled(waiting.step.step(), waiting.step.attempt(), id));
    }

    private void onFragment(AttemptKey key, SimRing.Fragment fragment) {
        if (!alive) {
            return;
        }
        if (attempt != null && key.equals(attempt.key)) {
            attempt.ring.receive(fragment, sim.queue().now(), attempt);
            finishIfReduced(attempt);
        } else if (attempt == null || key.compareTo(attempt.key) > 0) {
            early.computeIfAbsent(key, k -> new ArrayList<>()).add(fragment); // its step is on the way
        }
    }

    /** The ring is done: apply the update (a tentative one until the core records the step) and report. */
    private void finishIfReduced(Attempt reducing) {
        if (reducing.done || !reducing.ring.complete()) {
            return;
        }
        reducing.done = true;
        RunStep step = reducing.step;
        long[] reduced = reducing.ring.result();
        sim.checker().reduced(id, step, reduced);
        long digest = ReplicaDigest.afterStep(reducing.input, step.step(), step.weights(), step.depth(), step.lr(),
                reduced);
        replica.trained(step.step(), new SimReplica.State(step.step() + 1, step.weights(), digest));
        sim.toCoordinator(this, reducing.key.epoch(), new StepCompleted(step.step(), step.attempt(), id,
                reducing.shard.microBatches(), false, SimData.meanLoss(sim.plan().seed(), step.step(), 0, sim.plan().microBatches()),
                SimData.gradientNorm(reduced), (sim.queue().now() - reducing.startedAt) / 1e9));
    }

    private void onEvaluate(long from, Evaluate evaluate) {
        int weights = evaluate.stageDepthMap().size();
        Long state = current(from) ? replica.current(evaluate.stepsDone(), weights) : null;
        if (state == null) {
            return;
        }
        sim.queue().after(nanos(sim.cost().evaluationSeconds(weights)), () -> {
            if (alive) {
                sim.toCoordinator(this, from, new EvaluationCompleted(evaluate.stepsDone(), id,
                        ReplicaDigest.evaluationLoss(state, true), ReplicaDigest.evaluationLoss(state, false)));
            }
        });
    }

    private void onWriteCheckpoint(long from, WriteCheckpoint checkpoint) {
        RunSnapshot snapshot = checkpoint.snapshot();
        Long state = current(from) ? replica.current(snapshot.nextStep(), snapshot.weights()) : null;
        if (state == null) {
            return;
        }
        // as a worker process does: the canonical state goes to the coordinator, which writes it
        sim.queue().after(nanos(sim.cost().checkpointSeconds(snapshot.weights())), () -> {
            if (alive) {
                SimCoordinator coordinator = sim.coordinator();
                sim.send(this, coordinator, sim.cost().stateBytes(snapshot.weights()), "checkpoint state "
                        + snapshot.nextStep(), () -> coordinator.onCheckpointState(from, id, snapshot.nextStep(), state));
            }
        });
    }

    /** The coordinator pulls the state to expand it. */
    private void onPull(long from, PullState pull) {
        Long state = current(from) ? replica.exported(pull.step()) : null;
        if (state != null) {
            sim.send(this, sim.coordinator(), sim.cost().stateBytes(pull.weights()), "state for " + pull,
                    () -> sim.coordinator().onPulled(from, id, pull.step(), pull.round(), state));
        }
    }

    /** The coordinator pushes the expanded state. */
    void onPush(long from, long step, long round, int weights, long expanded) {
        if (!current(from)) {
            return;
        }
        replica.replace(new SimReplica.State(step, weights, expanded));
        sim.checker().updated(id, step, weights, expanded, "the expansion at step " + step);
        sim.toCoordinator(this, from, new StatePushed(step, round, id, ReplicaDigest.hex(expanded)));
    }

    /** As the source of an admission: send the state of the boundary to each newcomer, directly. */
    private void onSync(long from, SyncState sync) {
        if (!sync.sourceWorker().equals(id)) {
            return; // a newcomer: it takes the copy when it comes
        }
        Long state = current(from) ? replica.current(sync.step(), sync.weights()) : null;
        if (state == null) {
            return;
        }
        for (String target : sync.targets()) {
            SimWorker newcomer = sim.worker(target);
            if (newcomer != null) {
                sim.send(this, newcomer, sim.cost().stateBytes(sync.weights()), "state of step " + sync.step(),
                        () -> newcomer.onStateCopy(from, sync.step(), sync.weights(), state));
            }
        }
    }

    private void onStateCopy(long from, long step, int weights, long state) {
        if (!current(from)) {
            return;
        }
        if (admittedBy != from) { // a worker is admitted once by each incarnation: a second copy is a duplicate
            admittedBy = from;
            replica.replace(new SimReplica.State(step, weights, state));
            sim.checker().updated(id, step, weights, state, "a copy from a member");
        }
        sim.toCoordinator(this, from, new StateSynced(step, id));
    }

    private void onRestore(long from, RunSnapshot snapshot) {
        CheckpointStorage.Checkpoint checkpoint = sim.storage().find(snapshot);
        if (!current(from) || checkpoint == null || restoringFor == from) {
            return;
        }
        if (admittedBy == from) { // a duplicate of the restore already done
            sim.toCoordinator(this, from, new StateRestored(snapshot.nextStep(), id));
            return;
        }
        restoringFor = from;
        sim.queue().after(nanos(sim.cost().checkpointSeconds(snapshot.weights())), () -> {
            if (alive && epoch == from) {
                admittedBy = from;
                restoringFor = -1;
                attempt = null;
                replica.replace(new SimReplica.State(snapshot.nextStep(), snapshot.weights(), checkpoint.digest()));
                sim.checker().updated(id, snapshot.nextStep(), snapshot.weights(), checkpoint.digest(), snapshot);
                sim.toCoordinator(this, from, new StateRestored(snapshot.nextStep(), id));
            }
        });
    }

    /** Released after asking to leave: the process exits. */
    private void onRelease(long from) {
        if (current(from)) {
            alive = false;
        }
    }

    /** Declared dead by the coordinator: a process still running learns so, exits and comes back under a new id. */
    void onDown(long from) {
        if (current(from)) {
            sim.expelled(this);
        }
    }

    /**
     * A new coordinator incarnation is up: as a real worker process does, this one comes back as a new member under
     * a new id, which the new incarnation gives the state it resumes from; or it just goes if it was leaving anyway.
     */
    void onCoordinatorRestarted(long newEpoch) {
        if (!current(newEpoch)) {
            return;
        }
        if (leaving) {
            alive = false;
        } else {
            sim.rejoined(this);
        }
    }
}
