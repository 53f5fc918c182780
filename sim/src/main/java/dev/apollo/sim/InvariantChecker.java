package dev.apollo.sim;

import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WriteCheckpoint;
import dev.apollo.sim.Violation.Invariant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongToDoubleFunction;

/**
 * Checks a run against what its {@link RunPlan} and the fault-free run of the same seed say must happen, one
 * command or cluster event at a time, and reports what went wrong. It knows nothing of how the run is driven: fed a
 * core's commands alone it checks the command stream (so a hand-altered stream shows that it catches a planted bug);
 * fed also a {@link ReplicaView} and the simulator's reports of gradients, updates and checkpoints, it checks the
 * replicas too.
 */
public final class InvariantChecker {

    /** Relative slack for comparing a recorded loss with the batch mean: the two sum in different orders. */
    private static final double LOSS_TOLERANCE = 1e-9;
    /** A run gone wrong tends to go wrong at every step after: the first ones tell the story. */
    private static final int VIOLATIONS_KEPT = 20;

    private final RunPlan plan;
    private final LongToDoubleFunction batchLoss;
    private final ReplicaView replicas;
    private final ReferenceRun reference;
    private final List<Violation> violations = new ArrayList<>();
    private final Set<Long> expandedAt = new TreeSet<>();
    private final Set<RunSnapshot> durable = new HashSet<>();
    private long violationCount;
    private RunStep stepInFlight;
    /** The expansion issued since the last step: the core asks for it again when a member is lost meanwhile. */
    private ExpandWeights expansionInFlight;
    private long stepsDone;
    private int stage;
    private int weights;
    private double flops;
    private boolean finished;

    /**
     * @param plan      the plan the run follows from its first step
     * @param batchLoss the loss a step's whole global batch must average to, by step
     * @param replicas  the workers' states, or null to check the command stream alone
     */
    public InvariantChecker(RunPlan plan, LongToDoubleFunction batchLoss, ReplicaView replicas) {
        this.plan = plan;
        this.batchLoss = batchLoss;
        this.replicas = replicas;
        this.reference = new ReferenceRun(plan);
        RunSnapshot start = plan.freshStart();
        this.weights = start.weights();
        durable.add(start);
    }

    /** Checks the command stream of a fresh run, replicas aside. */
    public static List<Violation> check(RunPlan plan, LongToDoubleFunction batchLoss, List<CoreCommand> commands) {
        InvariantChecker checker = new InvariantChecker(plan, batchLoss, null);
        commands.forEach(checker::issued);
        checker.ended("the stream ended");
        return checker.violations();
    }

    /** The first violations seen (all of them, unless there were many). */
    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    /** How many violations there were in all. */
    public long violationCount() {
        return violationCount;
    }

    /** The fault-free run's state (step, weights), or null if it never holds it. */
    Long expectedDigest(long step, int weights) {
        return reference.digestAt(step, weights);
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
        } else if (command instanceof WriteCheckpoint checkpoint) {
            checkCheckpoint(checkpoint.snapshot());
        } else if (command instanceof RestoreState restore) {
            resumedFrom(restore.snapshot(), "the core restores");
        } else if (command instanceof SyncState sync) {
            checkSync(sync);
        } else if (command instanceof FinishRun finish) {
            finished = true;
            if (stepsDone != plan.totalSteps() || finish.snapshot().nextStep() != plan.totalSteps()) {
                fail(Invariant.COMPLETION, "FinishRun after " + stepsDone + " of " + plan.totalSteps() + " steps");
            }
        }
    }

    /** A worker finished the all-reduce of {@code step} with {@code gradient}. */
    public void reduced(String worker, RunStep step, long[] gradient) {
        if (!Arrays.equals(gradient, reference.batchGradient(step.step()))) {
            fail(Invariant.GRADIENT, worker + " reduced step " + step.step() + " attempt " + step.attempt() + " over "
                    + step.shards() + " to a gradient that is not the sum of the batch's rows, each once");
        }
    }

    /** A worker now holds {@code digest} as the state (step, weights), because of {@code cause}. */
    public void updated(String worker, long step, int weights, long digest, Object cause) {
        Long expected = reference.digestAt(step, weights);
        if (expected == null || expected != digest) {
            fail(Invariant.REPLICAS, worker + " holds " + ReplicaDigest.hex(digest) + " as the state before step " + step
                    + " with " + weights + " weights after " + cause + "; the fault-free run holds "
                    + (expected == null ? "no such state" : ReplicaDigest.hex(expected)));
        }
    }

    /** A checkpoint became durable. */
    public void checkpointWritten(RunSnapshot snapshot, long digest) {
        Long expected = reference.digestAt(snapshot.nextStep(), snapshot.weights());
        if (expected == null || expected != digest) {
            fail(Invariant.CHECKPOINT, "the checkpoint " + snapshot + " holds " + ReplicaDigest.hex(digest)
                    + "; the fault-free run holds " + (expected == null ? "no such state" : ReplicaDigest.hex(expected)));
        }
        durable.add(snapshot);
    }

    /** The coordinator restarted from {@code snapshot}. */
    public void coordinatorRestarted(RunSnapshot snapshot) {
        finished = false;
        resumedFrom(snapshot, "the restarted coordinator resumes");
    }

    /** The run is over ({@code how}): it must have finished, with every stage's expansion done. */
    public void ended(String how) {
        if (!finished) {
            fail(Invariant.COMPLETION, "no FinishRun (" + how + "); " + stepsDone + " of " + plan.totalSteps()
                    + " steps recorded");
        }
        for (long stageStart : plan.stages().expansionSteps()) {
            if (stageStart < stepsDone && !expandedAt.contains(stageStart)) {
                fail(Invariant.EXPANSION, "no expansion at the stage start " + stageStart);
            }
        }
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
        stepInFlight = step;
        expansionInFlight = null;
    }

    private void checkShards(RunStep step) {
        int next = 0;
        Set<String> owners = new HashSet<>();
        for (Shard shard : step.shards()) {
            if (shard.firstMicroBatch() != next || shard.microBatches() < 1 || !owners.add(shard.workerId())) {
                fail(Invariant.SHARDS, "step " + step.step() + " splits its batch as " + step.shards());
                return;
            }
            next += shard.microBatches();
        }
        if (next != plan.microBatches()) {
            fail(Invariant.SHARDS, "step " + step.step() + " covers " + next + " of " + plan.microBatches()
                    + " micro-batches");
        }
        if (owners.size() < plan.minWorkers()) {
            fail(Invariant.SHARDS, "step " + step.step() + " runs on " + owners.size() + " workers; the minimum is "
                    + plan.minWorkers());
        }
        if (replicas != null) {
            for (String owner : owners) {
                if (replicas.alive(owner) && replicas.digest(owner, step.step(), step.weights()) == null) {
                    fail(Invariant.SHARDS, owner + " gets a shard of step " + step.step() + " attempt " + step.attempt()
                            + " without holding the state before it");
                }
            }
        }
    }

    private void checkExpansion(ExpandWeights expansion) {
        if (expansionInFlight != null && expansion.step() == expansionInFlight.step()
                && expansion.toWeights() == expansionInFlight.toWeights()
                && expansion.sourceOfSlot().equals(expansionInFlight.sourceOfSlot())) {
            return; // asked for again of the members left, not a second expansion
        }
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
        stage = plan.stages().stageAt(s);
        expansionInFlight = expansion;
    }

    private void checkRecord(StepRecord record) {
        long step = record.stepsDone() - 1;
        if (record.stepsDone() != stepsDone + 1) {
            fail(Invariant.STEP_ORDER, "step " + step + " recorded after " + stepsDone + " steps");
        }
        stepsDone = record.stepsDone();
        if (stepInFlight == null || stepInFlight.step() != step) {
            fail(Invariant.STEP_ORDER, "step " + step + " recorded but never issued");
        }
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
        if (replicas != null && stepInFlight != null && stepInFlight.step() == step) {
            Long expectedDigest = reference.digestAt(stepsDone, record.weights());
            for (Shard shard : expectedDigest == null ? List.<Shard>of() : stepInFlight.shards()) {
                Long held = replicas.digest(shard.workerId(), stepsDone, record.weights());
                if (replicas.alive(shard.workerId()) && !expectedDigest.equals(held)) {
                    fail(Invariant.REPLICAS, "step " + step + " is recorded but its owner " + shard.workerId()
                            + " holds " + (held == null ? "no update of it" : ReplicaDigest.hex(held)) + ", not "
                            + ReplicaDigest.hex(expectedDigest));
                }
            }
        }
    }

    private void checkCheckpoint(RunSnapshot snapshot) {
        RunSnapshot expected = new RunSnapshot(stepsDone, stage, weights, plan.seed(),
                stepsDone * plan.tokensPerStep(), flops);
        if (!snapshot.equals(expected)) {
            fail(Invariant.CHECKPOINT, "checkpoint " + snapshot + " where the run is at " + expected);
        }
        RunSnapshot restored = new CoordinatorCore(plan, snapshot).snapshot();
        if (!restored.equals(snapshot)) {
            fail(Invariant.CHECKPOINT, "a core restored from " + snapshot + " is at " + restored);
        }
        if (replicas == null) {
            durable.add(snapshot); // commands alone: no writes to see, so take the command's word for it
        }
    }

    private void checkSync(SyncState sync) {
        if (sync.step() != stepsDone || sync.weights() != weights) {
            fail(Invariant.REPLICAS, "workers are given the state of step " + sync.step() + " with " + sync.weights()
                    + " weights when the run is at step " + stepsDone + " with " + weights);
        }
        if (replicas != null && replicas.alive(sync.sourceWorker())
                && replicas.digest(sync.sourceWorker(), sync.step(), sync.weights()) == null) {
            fail(Invariant.REPLICAS, sync.sourceWorker() + " is to give the state of step " + sync.step()
                    + " it does not hold");
        }
    }

    /** The run goes on from {@code snapshot}: any steps after it are done again. */
    private void resumedFrom(RunSnapshot snapshot, String who) {
        if (!durable.contains(snapshot)) {
            fail(Invariant.CHECKPOINT, who + " from " + snapshot + ", which was never written");
        }
        if (snapshot.nextStep() == stepsDone && snapshot.weights() == weights) {
            return;
        }
        long next = snapshot.nextStep();
        stepsDone = next;
        stage = snapshot.stage();
        weights = snapshot.weights();
        flops = snapshot.flops();
        stepInFlight = null;
        expansionInFlight = null;
        // expansions after the checkpoint happen again, and the one at its step unless it was written after it
        expandedAt.removeIf(step -> step > next || (step == next && weights != plan.stages().weightsAt(next)));
    }

    private void fail(Invariant invariant, String detail) {
        violationCount++;
        if (violations.size() < VIOLATIONS_KEPT) {
            violations.add(new Violation(invariant, detail));
        }
    }
}
