package dev.apollo.coordinator.core;

import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.FinishRun;
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
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The coordinator's logic as a pure, deterministic state machine: {@link #on(CoreEvent)} takes one event and returns
 * the commands it causes. No clock, thread or I/O: the Pekko actor and the simulator both drive this same code.
 *
 * <p>After each step, in order: log it; evaluate when due; checkpoint when due; then, at the step boundary, admit
 * the workers that joined (each is given the state), release the members that asked to leave, pause while fewer
 * than the minimum of workers hold the state, expand where a stage begins, and run the next step over the members.
 * The last step is always evaluated and checkpointed before {@link FinishRun}.
 *
 * <p>Membership. Members hold the run's state at the current boundary and each owns rows of every step's fixed
 * global batch, so there are at most as many members as rows; later joiners wait. A member gone without notice
 * ({@link WorkerLeft}) takes its shard with it: the step in flight is re-run whole, as a new attempt, by the
 * remaining members (or waits while they are below the minimum), and an evaluation, checkpoint or expansion in
 * flight is asked for again. When no member is left the state is lost: the run goes back to its last checkpoint and
 * the next workers admitted restore it. An id that left is never admitted again.
 *
 * <p>Events that do not belong to the current phase (late or duplicated replies) are ignored.
 */
public final class CoordinatorCore {

    private enum Phase { WAITING, RESTORING, SYNCING, EXPANDING, STEPPING, EVALUATING, CHECKPOINTING, FINISHED }

    private final RunPlan plan;
    /** Hold the run's state at the current boundary. */
    private final TreeSet<String> members = new TreeSet<>();
    /** Joined, waiting for a boundary with a free row. */
    private final TreeSet<String> joining = new TreeSet<>();
    /** Being given the state: the targets of the SyncState or RestoreState in flight. */
    private final TreeSet<String> admitting = new TreeSet<>();
    /** Asked to leave; released at the next boundary. */
    private final TreeSet<String> leaving = new TreeSet<>();
    private final Set<String> departed = new HashSet<>();
    private final Map<String, StepCompleted> stepResults = new HashMap<>();
    private Phase phase = Phase.WAITING;
    /** Where the run goes back to when no member holds its state: the start, then each durable checkpoint. */
    private RunSnapshot lastCheckpoint;
    private RunSnapshot checkpointInFlight;
    /** The evaluation, checkpoint or expansion in flight, asked for again if a member is lost before it is done. */
    private CoreCommand awaiting;
    private String syncSource;
    private RunStep stepInFlight;
    private long nextStep;
    private int stage;
    private int weights;
    private long tokens;
    private double flops;

    /** Starts a run at {@code start}: a fresh one ({@link RunPlan#freshStart()}) or a checkpoint's snapshot. */
    public CoordinatorCore(RunPlan plan, RunSnapshot start) {
        this.plan = plan;
        this.lastCheckpoint = start;
        resumeFrom(start);
    }

    public List<CoreCommand> on(CoreEvent event) {
        List<CoreCommand> out = new ArrayList<>();
        if (phase == Phase.FINISHED) {
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
        return out;
    }

    public RunSnapshot snapshot() {
        return new RunSnapshot(nextStep, stage, weights, plan.seed(), tokens, flops);
    }

    public boolean finished() {
        return phase == Phase.FINISHED;
    }

    private void onJoined(String id, List<CoreCommand> out) {
        if (departed.contains(id) || members.contains(id) || joining.contains(id) || admitting.contains(id)) {
            return; // a duplicate, or an id that left: a process that comes back joins under a new id
        }
        joining.add(id);
        if (phase == Phase.WAITING) {
            advance(out);
        } else if (phase == Phase.RESTORING) {
            admitJoiners(out); // no step has run since the restore began: the newcomer restores the same state
        }
    }

    private void onLeaving(String id, List<CoreCommand> out) {
        if (joining.remove(id)) {
            departed.add(id);
            out.add(new ReleaseWorker(id)); // it holds nothing the run needs
        } else if (members.contains(id) || admitting.contains(id)) {
            leaving.add(id);
            if (phase == Phase.WAITING) {
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
        boolean wasAdmitting = admitting.remove(id);
        boolean wasMember = members.remove(id);
        if (!wasMember && !wasAdmitting) {
            return;
        }
        if (members.isEmpty() && phase != Phase.RESTORING) {
            loseState(out);
            return;
        }
        switch (phase) {
            case STEPPING -> rerunStep(out);
            case EVALUATING, CHECKPOINTING, EXPANDING -> out.add(awaiting); // it may have been the one carrying it out
            case SYNCING -> {
                if (admitting.isEmpty()) {
                    advance(out);
                } else if (id.equals(syncSource)) {
                    sync(List.copyOf(admitting), out);
                }
            }
            case RESTORING -> {
                if (admitting.isEmpty()) {
                    advance(out);
                }
            }
            default -> { } // WAITING: nothing in flight
        }
    }

    /**
     * The step in flight lost a shard: the remaining members re-run it whole; below the minimum it becomes a
     * boundary again, where workers that joined meanwhile are admitted, or the run waits for them.
     */
    private void rerunStep(List<CoreCommand> out) {
        stepResults.clear();
        if (members.size() < plan.minWorkers()) {
            advance(out);
            return;
        }
        stepInFlight = withShards(stepInFlight, stepInFlight.attempt() + 1);
        out.add(stepInFlight);
    }

    /** No member holds the run's state any more: back to the last checkpoint, which the next admitted restore. */
    private void loseState(List<CoreCommand> out) {
        for (String id : admitting) { // a copy from a member that is gone never arrives
            if (leaving.contains(id)) {
                departed.add(id);
                out.add(new ReleaseWorker(id));
            } else {
                joining.add(id);
            }
        }
        admitting.clear();
        leaving.clear();
        stepResults.clear();
        stepInFlight = null;
        resumeFrom(lastCheckpoint);
        phase = Phase.WAITING;
        advance(out);
    }

    private void resumeFrom(RunSnapshot snapshot) {
        nextStep = snapshot.nextStep();
        stage = snapshot.stage();
        weights = snapshot.weights();
        tokens = snapshot.tokens();
        flops = snapshot.flops();
    }

    private void onStepCompleted(StepCompleted done, List<CoreCommand> out) {
        if (phase != Phase.STEPPING || done.step() != stepInFlight.step() || done.attempt() != stepInFlight.attempt()
                || stepInFlight.shards().stream().noneMatch(s -> s.workerId().equals(done.workerId()))) {
            return;
        }
        stepResults.put(done.workerId(), done);
        if (stepResults.size() < stepInFlight.shards().size()) {
            return;
        }
        double weightedLoss = 0;
        int rows = 0;
        double slowestWork = 0;
        for (StepCompleted result : stepResults.values()) {
            weightedLoss += result.loss() * result.rows();
            rows += result.rows();
            slowestWork = Math.max(slowestWork, result.workSeconds());
        }
        double gradNorm = stepResults.get(stepInFlight.shards().get(0).workerId()).gradNorm();
        stepResults.clear();
        tokens += plan.tokensPerStep();
        flops += plan.flops().stepFlops(stepInFlight.depth());
        nextStep = stepInFlight.step() + 1;
        out.add(new RecordStep(new StepRecord(nextStep, stepInFlight.stage(), stepInFlight.weights(),
                stepInFlight.depth(), weightedLoss / rows, gradNorm, stepInFlight.lr(), tokens, flops, slowestWork)));
        if (plan.evaluationDue(nextStep)) {
            phase = Phase.EVALUATING;
            awaiting = new Evaluate(nextStep, plan.sharingMap(weights, plan.totalLayers()),
                    plan.sharingMap(weights, weights));
            out.add(awaiting);
        } else {
            afterEvaluation(out);
        }
    }

    private void onEvaluationCompleted(EvaluationCompleted evaluated, List<CoreCommand> out) {
        if (phase != Phase.EVALUATING || evaluated.stepsDone() != nextStep) {
            return;
        }
        out.add(new RecordValidation(nextStep, stage, weights,
                evaluated.fullDepthLoss(), evaluated.stageDepthLoss(), tokens, flops));
        afterEvaluation(out);
    }

    private void afterEvaluation(List<CoreCommand> out) {
        if (plan.checkpointDue(nextStep)) {
            checkpoint(out);
        } else {
            advance(out);
        }
    }

    private void checkpoint(List<CoreCommand> out) {
        phase = Phase.CHECKPOINTING;
        checkpointInFlight = snapshot();
        awaiting = new WriteCheckpoint(checkpointInFlight);
        out.add(awaiting);
    }

    private void onCheckpointCompleted(CheckpointCompleted checkpointed, List<CoreCommand> out) {
        if (phase == Phase.CHECKPOINTING && checkpointed.nextStep() == checkpointInFlight.nextStep()) {
            lastCheckpoint = checkpointInFlight;
            advance(out);
        }
    }

    private void onExpansionCompleted(ExpansionCompleted expanded, List<CoreCommand> out) {
        if (phase == Phase.EXPANDING && expanded.step() == nextStep) {
            stage = plan.stages().stageAt(nextStep);
            weights = expanded.weights();
            advance(out);
        }
    }

    private void onStateSynced(StateSynced synced, List<CoreCommand> out) {
        if (phase == Phase.SYNCING && synced.step() == nextStep) {
            admitted(synced.workerId(), out);
        }
    }

    private void onStateRestored(StateRestored restored, List<CoreCommand> out) {
        if (phase == Phase.RESTORING && restored.nextStep() == lastCheckpoint.nextStep()) {
            admitted(restored.workerId(), out);
        }
    }

    private void admitted(String id, List<CoreCommand> out) {
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
            phase = Phase.FINISHED;
            out.add(new FinishRun(snapshot()));
            return;
        }
        if (admitJoiners(out)) {
            return;
        }
        if (!leaving.isEmpty()) {
            if (leaving.containsAll(members) && !lastCheckpoint.equals(snapshot())) {
                checkpoint(out); // the last holders are going: a checkpoint first, so a clean leave loses nothing
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
                advance(out); // the rows they free may admit workers that were waiting
            }
            return;
        }
        if (members.size() < plan.minWorkers()) {
            phase = Phase.WAITING;
            return;
        }
        int stageWeights = plan.stages().weightsAt(nextStep);
        if (stageWeights != weights) {
            phase = Phase.EXPANDING;
            awaiting = new ExpandWeights(nextStep, weights, stageWeights, plan.expansionMap(weights, stageWeights));
            out.add(awaiting);
            return;
        }
        int depth = plan.depthAt(nextStep, weights);
        // a step abandoned below the minimum of workers is issued again, as a new attempt
        int attempt = stepInFlight != null && stepInFlight.step() == nextStep ? stepInFlight.attempt() + 1 : 0;
        phase = Phase.STEPPING;
        stepInFlight = withShards(new RunStep(nextStep, 0, plan.stages().stageAt(nextStep), weights, depth,
                plan.sharingMap(weights, depth), plan.learningRate().at(nextStep), List.of()), attempt);
        out.add(stepInFlight);
    }

    /**
     * Starts giving the state to as many joiners (in name order) as there are free rows: copied from a member, or
     * restored from the last checkpoint when no member holds it. False if nobody was admitted.
     */
    private boolean admitJoiners(List<CoreCommand> out) {
        int room = plan.batchSize() - members.size() - admitting.size();
        if (joining.isEmpty() || room <= 0) {
            return false;
        }
        List<String> admitted = new ArrayList<>();
        for (Iterator<String> next = joining.iterator(); next.hasNext() && admitted.size() < room; ) {
            admitted.add(next.next());
            next.remove();
        }
        admitting.addAll(admitted);
        if (members.isEmpty() || phase == Phase.RESTORING) {
            phase = Phase.RESTORING;
            out.add(new RestoreState(lastCheckpoint, admitted));
        } else {
            sync(admitted, out);
        }
        return true;
    }

    private void sync(List<String> targets, List<CoreCommand> out) {
        phase = Phase.SYNCING;
        syncSource = members.first();
        out.add(new SyncState(nextStep, weights, syncSource, targets));
    }

    /** {@code step} as attempt {@code attempt}, its fixed global batch split over the members in name order. */
    private RunStep withShards(RunStep step, int attempt) {
        List<Shard> shards = new ArrayList<>();
        int batch = plan.batchSize();
        int workers = members.size();
        int row = 0;
        int index = 0;
        for (String member : members) {
            int rows = batch / workers + (index < batch % workers ? 1 : 0);
            shards.add(new Shard(member, row, rows));
            row += rows;
            index++;
        }
        return new RunStep(step.step(), attempt, step.stage(), step.weights(), step.depth(), step.layerMap(), step.lr(),
                shards);
    }
}
