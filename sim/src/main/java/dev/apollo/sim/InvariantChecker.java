package dev.apollo.sim;

import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.sim.Violation.Invariant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongToDoubleFunction;

/**
 * Checks a fresh run's command stream, one command at a time, against what its {@link RunPlan} says must happen.
 * It knows nothing of the simulator: fed the core's commands (and, for membership, the events) it reports what
 * went wrong, so it can equally be fed a hand-altered stream to show that it catches a planted bug.
 */
public final class InvariantChecker {

    /** Relative slack for comparing a recorded loss with the batch mean: the two sum in different orders. */
    private static final double LOSS_TOLERANCE = 1e-9;

    private final RunPlan plan;
    private final LongToDoubleFunction batchLoss;
    private final List<Violation> violations = new ArrayList<>();
    private final Set<String> members = new TreeSet<>();
    private final Set<Long> expandedAt = new TreeSet<>();
    private RunStep lastIssued;
    private Set<String> leftSinceLastIssue = new HashSet<>();
    private long stepsDone;
    private int weights;
    private double flops;
    private boolean finished;
    private boolean seesEvents; // fed commands alone, the checker cannot know who may own a shard

    /**
     * @param plan      the plan the run follows from its first step
     * @param batchLoss the loss a step's whole global batch must average to, by step
     */
    public InvariantChecker(RunPlan plan, LongToDoubleFunction batchLoss) {
        this.plan = plan;
        this.batchLoss = batchLoss;
        this.weights = plan.freshStart().weights();
    }

    /** Checks a whole command stream of a fresh run, membership aside. */
    public static List<Violation> check(RunPlan plan, LongToDoubleFunction batchLoss, List<CoreCommand> commands) {
        InvariantChecker checker = new InvariantChecker(plan, batchLoss);
        commands.forEach(checker::issued);
        checker.ended();
        return checker.violations();
    }

    /** An event the core was given; only membership matters here. */
    public void delivered(CoreEvent event) {
        seesEvents = true;
        if (event instanceof WorkerJoined joined) {
            members.add(joined.workerId());
        } else if (event instanceof WorkerLeft left) {
            members.remove(left.workerId());
            leftSinceLastIssue.add(left.workerId());
        }
    }

    /** A command the core issued. */
    public void issued(CoreCommand command) {
        if (finished) {
            fail(Invariant.COMPLETION, "a command after FinishRun: " + command);
        }
        if (command instanceof RunStep step) {
            checkStep(step);
        } else if (command instanceof ExpandWeights expansion) {
            checkExpansion(expansion);
        } else if (command instanceof RecordStep record) {
            checkRecord(record.record());
        } else if (command instanceof FinishRun finish) {
            finished = true;
            if (stepsDone != plan.totalSteps() || finish.snapshot().nextStep() != plan.totalSteps()) {
                fail(Invariant.COMPLETION, "FinishRun after " + stepsDone + " of " + plan.totalSteps() + " steps");
            }
        }
    }

    /** The run is over: it must have finished, with every stage's expansion done. */
    public void ended() {
        if (!finished) {
            fail(Invariant.COMPLETION, "no FinishRun; " + stepsDone + " of " + plan.totalSteps() + " steps recorded");
        }
        for (long stageStart : plan.stages().expansionSteps()) {
            if (stageStart < stepsDone && !expandedAt.contains(stageStart)) {
                fail(Invariant.EXPANSION, "no expansion at the stage start " + stageStart);
            }
        }
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    private void checkStep(RunStep step) {
        long s = step.step();
        if (s != stepsDone) {
            fail(Invariant.STEP_ORDER, "step " + s + " issued when " + stepsDone + " steps are recorded");
        }
        if (s < 0 || s >= plan.totalSteps()) {
            fail(Invariant.STEP_ORDER, "step " + s + " is outside the run");
            return;
        }
        int planned = plan.stages().weightsAt(s);
        if (step.weights() != planned || weights != planned) {
            fail(Invariant.EXPANSION, "step " + s + " runs on " + step.weights() + " weights after expanding to "
                    + weights + "; the stage has " + planned);
        }
        int depth = plan.depthAt(s, planned);
        if (step.depth() != depth || !step.layerMap().equals(plan.sharingMap(planned, depth))) {
            fail(Invariant.DEPTH, "step " + s + " runs at depth " + step.depth() + " through " + step.layerMap()
                    + "; the plan says " + depth + " through " + plan.sharingMap(planned, depth));
        }
        checkShards(step);
        lastIssued = step;
        leftSinceLastIssue = new HashSet<>();
    }

    private void checkShards(RunStep step) {
        int row = 0;
        Set<String> owners = new HashSet<>();
        for (Shard shard : step.shards()) {
            if (shard.firstRow() != row || shard.rowCount() < 1 || !owners.add(shard.workerId())) {
                fail(Invariant.SHARDS, "step " + step.step() + " splits its batch as " + step.shards());
                return;
            }
            row += shard.rowCount();
        }
        if (row != plan.batchSize()) {
            fail(Invariant.SHARDS, "step " + step.step() + " covers " + row + " of " + plan.batchSize() + " rows");
        }
        // A re-issued step goes to the remaining owners; only if all of them left may newcomers take it.
        boolean reissue = lastIssued != null && lastIssued.step() == step.step();
        Set<String> allowed = new HashSet<>(members);
        if (reissue && !leftSinceLastIssue.containsAll(owners(lastIssued))) {
            allowed.retainAll(owners(lastIssued));
        }
        if (seesEvents && !allowed.containsAll(owners)) {
            fail(Invariant.SHARDS, "step " + step.step() + " gives shards to " + owners + "; only " + allowed
                    + " may take them");
        }
    }

    private static Set<String> owners(RunStep step) {
        Set<String> owners = new HashSet<>();
        step.shards().forEach(shard -> owners.add(shard.workerId()));
        return owners;
    }

    private void checkExpansion(ExpandWeights expansion) {
        long s = expansion.step();
        if (!plan.stages().isExpansionStep(s)) {
            fail(Invariant.EXPANSION, "expansion at step " + s + ", which starts no stage");
            return;
        }
        boolean again = !expandedAt.add(s);
        if (s != stepsDone || again) {
            fail(Invariant.EXPANSION, "expansion for step " + s + " when " + stepsDone + " steps are recorded"
                    + (again ? ", a second time" : ""));
        }
        int to = plan.stages().weightsAt(s);
        if (expansion.fromWeights() != weights || expansion.toWeights() != to
                || !expansion.sourceOfSlot().equals(plan.expansionMap(weights, to))) {
            fail(Invariant.EXPANSION, "expansion at step " + s + " is " + expansion + "; the plan says " + weights
                    + " -> " + to + " by " + plan.expansionMap(weights, to));
        }
        weights = expansion.toWeights();
    }

    private void checkRecord(StepRecord record) {
        long step = record.stepsDone() - 1;
        if (record.stepsDone() != stepsDone + 1) {
            fail(Invariant.STEP_ORDER, "step " + step + " recorded after " + stepsDone + " steps");
        }
        stepsDone = record.stepsDone();
        if (step < 0 || step >= plan.totalSteps()) {
            fail(Invariant.STEP_ORDER, "step " + step + " is outside the run");
            return;
        }
        int planned = plan.stages().weightsAt(step);
        if (record.weights() != planned || record.depth() != plan.depthAt(step, planned)) {
            fail(Invariant.DEPTH, "step " + step + " recorded at " + record.weights() + " weights, depth "
                    + record.depth() + "; the plan says " + planned + ", " + plan.depthAt(step, planned));
        }
        double expected = batchLoss.applyAsDouble(step);
        if (!(Math.abs(record.loss() - expected) <= LOSS_TOLERANCE * Math.abs(expected))) {
            fail(Invariant.LOSS, "step " + step + " recorded loss " + record.loss() + "; its batch averages "
                    + expected);
        }
        flops += plan.flops().stepFlops(record.depth());
        if (record.tokens() != record.stepsDone() * plan.tokensPerStep() || record.flops() != flops) {
            fail(Invariant.ACCOUNTING, "after " + record.stepsDone() + " steps: " + record.tokens() + " tokens, "
                    + record.flops() + " FLOPs; expected " + record.stepsDone() * plan.tokensPerStep() + ", " + flops);
        }
    }

    private void fail(Invariant invariant, String detail) {
        violations.add(new Violation(invariant, detail));
    }
}
