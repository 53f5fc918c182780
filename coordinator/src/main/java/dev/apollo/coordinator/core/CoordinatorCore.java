package dev.apollo.coordinator.core;

import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.FailRun;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.RecordSkippedStep;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WaitForWorkers;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator's logic as a pure, deterministic state machine: {@link #on(CoreEvent)} takes one event and returns
 * the commands it causes. No clock, thread or I/O: the coordinator node drives this same code in the real run and
 * in the simulator.
 *
 * <p>After each step, in order: log it; evaluate when due; checkpoint when due; then, at the step boundary, admit
 * the workers that joined (each is given the state), release the members that asked to leave, pause while fewer
 * than the minimum of workers hold the state, expand where a stage begins, and run the next step over the members.
 * The last step is always evaluated and checkpointed before {@link FinishRun}.
 *
 * <p>Numerical faults. A step whose summed loss or gradient was not finite is skipped by every owner (no update) and
 * reported as such; it counts as done all the same, so the data, depth and learning rate of later steps are those of
 * a run without the fault. {@code train.max-skipped-steps} skipped in a row end the run with {@link FailRun} at once,
 * before any evaluation or checkpoint, so the last checkpoint is one written before.
 *
 * <p>Membership. Members hold the run's state at the current boundary and each owns micro-batches of every step's
 * fixed global batch, so there are at most as many members as micro-batches; later joiners wait. A member gone without notice
 * ({@link WorkerLeft}) takes its shard with it: the step in flight is re-run whole, as a new attempt, by the
 * remaining members (or waits while they are below the minimum), and an evaluation, checkpoint or expansion in
 * flight is asked for again of the members left. When no member is left the state is lost: the run goes back to
 * its last checkpoint and the next workers admitted restore it. An id that left is never admitted again.
 *
 * <p>Events that do not belong to the current phase (late or duplicated replies) are ignored. After every event that
 * can change them the membership and the split of the batch are checked; a breach is a bug, thrown as
 * {@link IllegalStateException}.
 */
public final class CoordinatorCore implements Core {

    /** What the run is doing; each phase carries what is only meaningful while it lasts. */
    private sealed interface Phase {}

    /** At a step boundary with fewer members than the minimum: nothing in flight. */
    private record Waiting() implements Phase {}

    /** {@code admitting} load the last checkpoint (or the start), because no member holds the state. */
    private record Restoring(TreeSet<String> admitting) implements Phase {}

    /** {@code admitting} take a copy of {@code source}'s state at the boundary. */
    private record Syncing(String source, TreeSet<String> admitting) implements Phase {}

    private record Expanding(ExpandWeights expansion) implements Phase {}

    /** {@code step} is in flight; {@code results} are the replies to its attempt so far, by worker. */
    private record Stepping(RunStep step, TreeMap<String, StepCompleted> results) implements Phase {}

    private record Evaluating(Evaluate evaluation) implements Phase {}

    private record Checkpointing(WriteCheckpoint checkpoint) implements Phase {}

    private record Finished() implements Phase {}

    /** Stopped before the end: too many steps in a row were skipped. */
    private record Failed() implements Phase {}

    private final RunPlan plan;
    /** Hold the run's state at the current boundary. */
    private final TreeSet<String> members = new TreeSet<>();
    /** Joined, waiting for a boundary with a free row. */
    private final TreeSet<String> joining = new TreeSet<>();
    /** Asked to leave; released at the next boundary. */
    private final TreeSet<String> leaving = new TreeSet<>();
    private final Set<String> departed = new HashSet<>();
    private Phase phase = new Waiting();
    /** Where the run goes back to when no member holds its state: the start, then each durable checkpoint. */
    private RunSnapshot lastCheckpoint;
    /** Attempts issued so far at {@code nextStep}: an attempt abandoned below the minimum is issued again, anew. */
    private int attempts;
    private long nextStep;
    private int stage;
    private int weights;
    private long tokens;
    private double flops;
    /** Steps skipped in a row up to the boundary: a non-finite loss or gradient each. */
    private int skippedInARow;

    /** Starts a run at {@code start}: a fresh one ({@link RunPlan#freshStart()}) or a checkpoint's snapshot. */
    public CoordinatorCore(RunPlan plan, RunSnapshot start) {
        this.plan = plan;
        this.lastCheckpoint = start;
        resumeFrom(start);
    }

    @Override
    public List<CoreCommand> on(CoreEvent event) {
        List<CoreCommand> out = new ArrayList<>();
        if (phase instanceof Finished || phase instanceof Failed) {
            return out;
        }
        // Java 17: no pattern switch yet; the sealed interface keeps this list complete.
        if (event instanceof WorkerJoined joined) {
            onJoined(joined.workerId(), out);
        } else if (event instanceof WorkerLeaving going) {
            onLeaving(going.workerId(), out);
        } else if (event instanceof WorkerLeft left) {
            onLeft(left.workerId(), out);
        } else if (event instanceof StepCompleted done) {
            onStepCompleted(done, out);
        } else if (event instanceof EvaluationCompleted evaluated) {
            onEvaluationCompleted(evaluated, out);
        } else if (event instanceof ExpansionCompleted expanded) {
            onExpansionCompleted(expanded, out);
        } else if (event instanceof CheckpointCompleted checkpointed) {
            onCheckpointCompleted(checkpointed, out);
        } else if (event instanceof StateSynced synced) {
            onStateSynced(synced, out);
        } else if (event instanceof StateRestored restored) {
            onStateRestored(restored, out);
        }
        if (!out.isEmpty() || !(event instanceof StepCompleted)) { // a step's partial reply changes no membership
            checkInvariants();
        }
        return out;
    }

    public RunSnapshot snapshot() {
        return new RunSnapshot(nextStep, stage, weights, plan.seed(), tokens, flops);
    }

    public boolean finished() {
        return phase instanceof Finished;
    }

    /** The workers being given the state, in the phases that give it; null otherwise. */
    private TreeSet<String> admittingOrNull() {
        if (phase instanceof Restoring restoring) {
            return restoring.admitting();
        }
        return phase instanceof Syncing syncing ? syncing.admitting() : null;
    }

    private boolean isAdmitting(String id) {
        TreeSet<String> admitting = admittingOrNull();
        return admitting != null && admitting.contains(id);
    }

    private void onJoined(String id, List<CoreCommand> out) {
        if (departed.contains(id) || members.contains(id) || joining.contains(id) || isAdmitting(id)) {
            return; // a duplicate, or an id that left: a process that comes back joins under a new id
        }
        joining.add(id);
        if (phase instanceof Waiting) {
            advance(out);
        } else if (phase instanceof Restoring) {
            admitJoiners(out); // no step has run since the restore began: the newcomer restores the same state
        }
    }

    private void onLeaving(String id, List<CoreCommand> out) {
        if (joining.remove(id)) {
            departed.add(id);
            out.add(new ReleaseWorker(id)); // it holds nothing the run needs
        } else if (members.contains(id) || isAdmitting(id)) {
            leaving.add(id);
            if (phase instanceof Waiting) {
                advance(out);
            }
        }
    }

    private void onLeft(String id, List<CoreCommand> out) {
        if (!departed.add(id)) {
            return;
        }
        joining.remove(id);
        leaving.remove(id);
        TreeSet<String> admitting = admittingOrNull();
        boolean wasAdmitting = admitting != null && admitting.remove(id);
        boolean wasMember = members.remove(id);
        if (!wasMember && !wasAdmitting) {
            return;
        }
        if (members.isEmpty() && !(phase instanceof Restoring)) {
            loseState(out);
            return;
        }
        if (phase instanceof Stepping stepping) {
            rerunStep(stepping.step(), out);
        } else if (phase instanceof Evaluating evaluating) { // it may have been the one carrying it out
            Evaluate lost = evaluating.evaluation();
            evaluate(lost.stepsDone(), out);
        } else if (phase instanceof Checkpointing checkpointing) {
            checkpoint(checkpointing.checkpoint().snapshot(), out);
        } else if (phase instanceof Expanding expanding) {
            ExpandWeights lost = expanding.expansion();
            expand(lost.fromWeights(), lost.toWeights(), out);
        } else if (phase instanceof Syncing syncing) {
            if (syncing.admitting().isEmpty()) {
                advance(out);
            } else if (id.equals(syncing.source())) {
                sync(syncing.admitting(), out);
            }
        } else if (phase instanceof Restoring restoring && restoring.admitting().isEmpty()) {
            advance(out);
        }
        // Waiting: nothing in flight
    }

    /**
     * The step in flight lost a shard: the remaining members re-run it whole; below the minimum it becomes a
     * boundary again, where workers that joined meanwhile are admitted, or the run waits for them.
     */
    private void rerunStep(RunStep lost, List<CoreCommand> out) {
        if (members.size() < plan.minWorkers()) {
            phase = new Waiting();
            advance(out);
            return;
        }
        runStep(lost, out);
    }

    /** No member holds the run's state any more: back to the last checkpoint, which the next admitted restore. */
    private void loseState(List<CoreCommand> out) {
        TreeSet<String> admitting = admittingOrNull();
        for (String id : admitting == null ? Set.<String>of() : admitting) { // a copy from a gone member never comes
            if (leaving.contains(id)) {
                departed.add(id);
                out.add(new ReleaseWorker(id));
            } else {
                joining.add(id);
            }
        }
        leaving.clear();
        resumeFrom(lastCheckpoint);
        phase = new Waiting();
        advance(out);
    }

    private void resumeFrom(RunSnapshot snapshot) {
        if (snapshot.nextStep() != nextStep) {
            attempts = 0;
        }
        nextStep = snapshot.nextStep();
        skippedInARow = 0; // what is re-run from a checkpoint is counted again
        stage = snapshot.stage();
        weights = snapshot.weights();
        tokens = snapshot.tokens();
        flops = snapshot.flops();
    }

    private void onStepCompleted(StepCompleted done, List<CoreCommand> out) {
        if (!(phase instanceof Stepping stepping)) {
            return;
        }
        RunStep step = stepping.step();
        if (done.step() != step.step() || done.attempt() != step.attempt()
                || step.shards().stream().noneMatch(s -> s.workerId().equals(done.workerId()))) {
            return;
        }
        stepping.results().put(done.workerId(), done);
        if (stepping.results().size() < step.shards().size()) {
            return;
        }
        double slowestWork = 0;
        for (StepCompleted result : stepping.results().values()) {
            slowestWork = Math.max(slowestWork, result.workSeconds());
        }
        // every replica reports the loss and norm of the same reduced sum (the node checks that they agree)
        StepCompleted reduced = stepping.results().firstEntry().getValue();
        tokens += plan.tokensPerStep();
        flops += plan.flops().stepFlops(step.depth());
        nextStep = step.step() + 1;
        attempts = 0;
        StepRecord record = new StepRecord(nextStep, step.stage(), step.weights(), step.depth(),
                reduced.loss(), reduced.gradNorm(), step.lr(), tokens, flops, slowestWork);
        if (!reduced.skipped()) {
            skippedInARow = 0;
            out.add(new RecordStep(record));
        } else {
            skippedInARow++;
            out.add(new RecordSkippedStep(record, skippedInARow));
            if (skippedInARow >= plan.maxSkippedSteps()) {
                phase = new Failed();
                out.add(new FailRun(tooManySkipped()));
                return;
            }
        }
        if (plan.evaluationDue(nextStep)) {
            evaluate(nextStep, out);
        } else {
            afterEvaluation(out);
        }
    }

    /** Why the run stops after the last skipped step, numbered as the log numbers steps (by steps done). */
    private String tooManySkipped() {
        String steps = skippedInARow == 1 ? "step " + nextStep
                : skippedInARow + " steps in a row (steps " + (nextStep - skippedInARow + 1) + "-" + nextStep + ")";
        return steps + " had a non-finite loss or gradient (train.max-skipped-steps = " + plan.maxSkippedSteps()
                + "); the last checkpoint is intact: try a lower optimizer.lr or a longer warmup";
    }

    private void evaluate(long stepsDone, List<CoreCommand> out) {
        Evaluate evaluation = new Evaluate(stepsDone, plan.sharingMap(weights, plan.totalLayers()),
                plan.sharingMap(weights, weights), members.first());
        phase = new Evaluating(evaluation);
        out.add(evaluation);
    }

    private void onEvaluationCompleted(EvaluationCompleted evaluated, List<CoreCommand> out) {
        if (!(phase instanceof Evaluating) || evaluated.stepsDone() != nextStep) {
            return;
        }
        out.add(new RecordValidation(nextStep, stage, weights,
                evaluated.fullDepthLoss(), evaluated.stageDepthLoss(), tokens, flops));
        afterEvaluation(out);
    }

    private void afterEvaluation(List<CoreCommand> out) {
        if (plan.checkpointDue(nextStep)) {
            checkpoint(snapshot(), out);
        } else {
            advance(out);
        }
    }

    private void checkpoint(RunSnapshot snapshot, List<CoreCommand> out) {
        WriteCheckpoint checkpoint = new WriteCheckpoint(snapshot, members.first());
        phase = new Checkpointing(checkpoint);
        out.add(checkpoint);
    }

    private void onCheckpointCompleted(CheckpointCompleted checkpointed, List<CoreCommand> out) {
        if (phase instanceof Checkpointing checkpointing
                && checkpointed.nextStep() == checkpointing.checkpoint().snapshot().nextStep()) {
            lastCheckpoint = checkpointing.checkpoint().snapshot();
            advance(out);
        }
    }

    private void expand(int from, int to, List<CoreCommand> out) {
        ExpandWeights expansion = new ExpandWeights(nextStep, from, to, plan.expansionMap(from, to), members.first(),
                List.copyOf(members));
        phase = new Expanding(expansion);
        out.add(expansion);
    }

    private void onExpansionCompleted(ExpansionCompleted expanded, List<CoreCommand> out) {
        if (phase instanceof Expanding && expanded.step() == nextStep) {
            stage = plan.stages().stageAt(nextStep);
            weights = expanded.weights();
            advance(out);
        }
    }

    private void onStateSynced(StateSynced synced, List<CoreCommand> out) {
        if (phase instanceof Syncing syncing && synced.step() == nextStep) {
            admitted(syncing.admitting(), synced.workerId(), out);
        }
    }

    private void onStateRestored(StateRestored restored, List<CoreCommand> out) {
        if (phase instanceof Restoring restoring && restored.nextStep() == lastCheckpoint.nextStep()) {
            admitted(restoring.admitting(), restored.workerId(), out);
        }
    }

    private void admitted(TreeSet<String> admitting, String id, List<CoreCommand> out) {
        if (admitting.remove(id)) {
            members.add(id);
            if (admitting.isEmpty()) {
                advance(out);
            }
        }
    }

    /**
     * At a step boundary: finish; or admit joiners; or release leavers; or wait below the minimum; or expand where
     * a stage begins; or run the next step.
     */
    private void advance(List<CoreCommand> out) {
        if (nextStep >= plan.totalSteps()) {
            phase = new Finished();
            out.add(new FinishRun(snapshot()));
            return;
        }
        if (admitJoiners(out)) {
            return;
        }
        if (!leaving.isEmpty()) {
            if (leaving.containsAll(members) && !lastCheckpoint.equals(snapshot())) {
                checkpoint(snapshot(), out); // the last holders are going: a checkpoint first, so a clean leave loses nothing
                return;
            }
            for (String id : leaving) {
                members.remove(id);
                departed.add(id);
                out.add(new ReleaseWorker(id));
            }
            leaving.clear();
            if (members.isEmpty()) {
                loseState(out);
            } else {
                advance(out); // the micro-batches they free may admit workers that were waiting
            }
            return;
        }
        if (members.size() < plan.minWorkers()) {
            phase = new Waiting();
            out.add(new WaitForWorkers(nextStep, members.size(), plan.minWorkers()));
            return;
        }
        int stageWeights = plan.stages().weightsAt(nextStep);
        if (stageWeights != weights) {
            expand(weights, stageWeights, out);
            return;
        }
        int depth = plan.depthAt(nextStep, weights);
        runStep(new RunStep(nextStep, 0, plan.stages().stageAt(nextStep), weights, depth,
                plan.sharingMap(weights, depth), plan.learningRate().at(nextStep), List.of()), out);
    }

    /** Issues {@code step} as its next attempt, its fixed micro-batches split over the members in name order. */
    private void runStep(RunStep step, List<CoreCommand> out) {
        List<Shard> shards = new ArrayList<>();
        int microBatches = plan.microBatches();
        int workers = members.size();
        int first = 0;
        int index = 0;
        for (String member : members) {
            int count = microBatches / workers + (index < microBatches % workers ? 1 : 0);
            shards.add(new Shard(member, first, count));
            first += count;
            index++;
        }
        RunStep attempt = new RunStep(step.step(), attempts++, step.stage(), step.weights(), step.depth(),
                step.layerMap(), step.lr(), shards);
        phase = new Stepping(attempt, new TreeMap<>());
        out.add(attempt);
    }

    /**
     * Starts giving the state to as many joiners (in name order) as there are free micro-batches: copied from a member, or
     * restored from the last checkpoint when no member holds it. False if nobody was admitted.
     */
    private boolean admitJoiners(List<CoreCommand> out) {
        TreeSet<String> admitting = admittingOrNull();
        if (admitting == null) {
            admitting = new TreeSet<>();
        }
        int room = plan.microBatches() - members.size() - admitting.size();
        if (joining.isEmpty() || room <= 0) {
            return false;
        }
        List<String> admitted = new ArrayList<>();
        for (Iterator<String> next = joining.iterator(); next.hasNext() && admitted.size() < room; ) {
            admitted.add(next.next());
            next.remove();
        }
        admitting.addAll(admitted);
        if (members.isEmpty() || phase instanceof Restoring) {
            phase = new Restoring(admitting);
            out.add(new RestoreState(lastCheckpoint, admitted));
        } else {
            sync(admitting, out);
        }
        return true;
    }

    private void sync(TreeSet<String> admitting, List<CoreCommand> out) {
        String source = members.first();
        phase = new Syncing(source, admitting);
        out.add(new SyncState(nextStep, weights, source, List.copyOf(admitting)));
    }

    /**
     * What must hold between events: a worker is in at most one of joining, admitting and members, never after it
     * departed; only members and admitted workers may be leaving; no more holders than micro-batches; a step in flight splits
     * the whole batch over exactly the members, each once, and only with at least the minimum of them.
     */
    private void checkInvariants() {
        TreeSet<String> admitting = admittingOrNull();
        int admittingCount = admitting == null ? 0 : admitting.size();
        for (String id : members) {
            requireMembership(!departed.contains(id), id);
        }
        for (String id : joining) {
            requireMembership(!members.contains(id) && !departed.contains(id), id);
        }
        if (admitting != null) {
            for (String id : admitting) {
                requireMembership(!members.contains(id) && !joining.contains(id) && !departed.contains(id), id);
            }
        }
        for (String id : leaving) {
            requireMembership(members.contains(id) || (admitting != null && admitting.contains(id)), id);
        }
        if (members.size() + admittingCount > plan.microBatches()) {
            throw new IllegalStateException((members.size() + admittingCount) + " workers hold or are given the "
                    + "state, more than the " + plan.microBatches() + " micro-batches of a step");
        }
        if (phase instanceof Stepping stepping) {
            checkShards(stepping.step());
        }
    }

    private void requireMembership(boolean holds, String id) {
        if (!holds) {
            throw new IllegalStateException("membership broken at step " + nextStep + ": " + id + " in members "
                    + members + ", joining " + joining + ", admitting " + admittingOrNull() + ", leaving " + leaving
                    + ", departed: " + departed.contains(id));
        }
    }

    private void checkShards(RunStep step) {
        int next = 0;
        Iterator<String> member = members.iterator();
        for (Shard shard : step.shards()) {
            if (shard.firstMicroBatch() != next || shard.microBatches() < 1 || !member.hasNext()
                    || !member.next().equals(shard.workerId())) {
                throw new IllegalStateException("step " + step.step() + " attempt " + step.attempt() + " splits its "
                        + "batch as " + step.shards() + "; the members are " + members);
            }
            next += shard.microBatches();
        }
        if (next != plan.microBatches() || member.hasNext() || step.shards().size() < plan.minWorkers()) {
            throw new IllegalStateException("step " + step.step() + " attempt " + step.attempt() + " splits " + next
                    + " of " + plan.microBatches() + " micro-batches over " + step.shards() + "; the members are "
                    + members);
        }
    }
}
