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
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The coordinator's logic as a pure, deterministic state machine: {@link #on(CoreEvent)} takes one event and returns
 * the commands it causes. No clock, thread or I/O: the Pekko actor and the simulator both drive this same code.
 *
 * <p>After each step, in order: log it; evaluate when due; checkpoint when due; then the next step, preceded by an
 * expansion where a stage begins. The last step is always evaluated and checkpointed before {@link FinishRun}.
 * Events that do not belong to the current phase (late or duplicated replies) are ignored.
 */
public final class CoordinatorCore {

    private enum Phase { WAITING_FOR_WORKERS, STEPPING, EXPANDING, EVALUATING, CHECKPOINTING, FINISHED }

    private final RunPlan plan;
    private final TreeSet<String> members = new TreeSet<>();
    private final TreeSet<String> joining = new TreeSet<>();
    private final Map<String, StepCompleted> stepResults = new HashMap<>();
    private Phase phase = Phase.WAITING_FOR_WORKERS;
    private RunStep stepInFlight;
    private long nextStep;
    private int stage;
    private int weights;
    private long tokens;
    private double flops;

    /** Starts a run at {@code start}: a fresh one ({@link RunPlan#freshStart()}) or a checkpoint's snapshot. */
    public CoordinatorCore(RunPlan plan, RunSnapshot start) {
        this.plan = plan;
        this.nextStep = start.nextStep();
        this.stage = start.stage();
        this.weights = start.weights();
        this.tokens = start.tokens();
        this.flops = start.flops();
    }

    public List<CoreCommand> on(CoreEvent event) {
        List<CoreCommand> out = new ArrayList<>();
        // Java 17: no pattern switch yet; the sealed interface keeps this list complete.
        if (event instanceof WorkerJoined joined) {
            onJoined(joined, out);
        } else if (event instanceof WorkerLeft left) {
            onLeft(left, out);
        } else if (event instanceof StepCompleted done) {
            onStepCompleted(done, out);
        } else if (event instanceof EvaluationCompleted evaluated) {
            onEvaluationCompleted(evaluated, out);
        } else if (event instanceof ExpansionCompleted expanded) {
            onExpansionCompleted(expanded, out);
        } else if (event instanceof CheckpointCompleted checkpointed) {
            onCheckpointCompleted(checkpointed, out);
        }
        return out;
    }

    public RunSnapshot snapshot() {
        return new RunSnapshot(nextStep, stage, weights, plan.seed(), tokens, flops);
    }

    public boolean finished() {
        return phase == Phase.FINISHED;
    }

    private void onJoined(WorkerJoined joined, List<CoreCommand> out) {
        if (phase == Phase.FINISHED) {
            return;
        }
        if (phase == Phase.WAITING_FOR_WORKERS) {
            members.add(joined.workerId());
            advance(out);
        } else {
            joining.add(joined.workerId()); // admitted at the next step boundary
        }
    }

    private void onLeft(WorkerLeft left, List<CoreCommand> out) {
        joining.remove(left.workerId());
        if (!members.remove(left.workerId()) || phase == Phase.FINISHED) {
            return;
        }
        if (phase == Phase.STEPPING) {
            // The step in flight is re-run whole by the remaining workers: no shard is lost or counted twice.
            stepResults.clear();
            if (members.isEmpty()) {
                phase = Phase.WAITING_FOR_WORKERS;
            } else {
                stepInFlight = withShards(stepInFlight, stepInFlight.attempt() + 1);
                out.add(stepInFlight);
            }
        }
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
        for (StepCompleted result : stepResults.values()) {
            weightedLoss += result.loss() * result.rows();
            rows += result.rows();
        }
        double gradNorm = stepResults.get(stepInFlight.shards().get(0).workerId()).gradNorm();
        stepResults.clear();
        tokens += plan.tokensPerStep();
        flops += plan.flops().stepFlops(stepInFlight.depth());
        nextStep = stepInFlight.step() + 1;
        out.add(new RecordStep(new StepRecord(nextStep, stepInFlight.stage(), stepInFlight.weights(),
                stepInFlight.depth(), weightedLoss / rows, gradNorm, stepInFlight.lr(), tokens, flops)));
        if (plan.evaluationDue(nextStep)) {
            phase = Phase.EVALUATING;
            out.add(new Evaluate(nextStep, plan.sharingMap(weights, plan.totalLayers()),
                    plan.sharingMap(weights, weights)));
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
            phase = Phase.CHECKPOINTING;
            out.add(new WriteCheckpoint(snapshot()));
        } else {
            advance(out);
        }
    }

    private void onCheckpointCompleted(CheckpointCompleted checkpointed, List<CoreCommand> out) {
        if (phase == Phase.CHECKPOINTING && checkpointed.nextStep() == nextStep) {
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

    /** Moves to the next step boundary: finish, expand, or run the next step. */
    private void advance(List<CoreCommand> out) {
        members.addAll(joining);
        joining.clear();
        if (nextStep >= plan.totalSteps()) {
            phase = Phase.FINISHED;
            out.add(new FinishRun(snapshot()));
            return;
        }
        if (members.isEmpty()) {
            phase = Phase.WAITING_FOR_WORKERS;
            return;
        }
        int stageWeights = plan.stages().weightsAt(nextStep);
        if (stageWeights != weights) {
            phase = Phase.EXPANDING;
            out.add(new ExpandWeights(nextStep, weights, stageWeights, plan.expansionMap(weights, stageWeights)));
            return;
        }
        int depth = plan.depthAt(nextStep, weights);
        // a step that lost all its workers is issued again, as a new attempt, when one joins
        int attempt = stepInFlight != null && stepInFlight.step() == nextStep ? stepInFlight.attempt() + 1 : 0;
        phase = Phase.STEPPING;
        stepInFlight = withShards(new RunStep(nextStep, 0, plan.stages().stageAt(nextStep), weights, depth,
                plan.sharingMap(weights, depth), plan.learningRate().at(nextStep), List.of()), attempt);
        out.add(stepInFlight);
    }

    /**
     * {@code step} as attempt {@code attempt}, its fixed global batch split over the current members in name order;
     * workers beyond the rows idle.
     */
    private RunStep withShards(RunStep step, int attempt) {
        List<Shard> shards = new ArrayList<>();
        int batch = plan.batchSize();
        int workers = Math.min(members.size(), batch);
        int row = 0;
        int index = 0;
        for (String member : members) {
            if (index == workers) {
                break;
            }
            int rows = batch / workers + (index < batch % workers ? 1 : 0);
            shards.add(new Shard(member, row, rows));
            row += rows;
            index++;
        }
        return new RunStep(step.step(), attempt, step.stage(), step.weights(), step.depth(), step.layerMap(), step.lr(),
                shards);
    }
}
