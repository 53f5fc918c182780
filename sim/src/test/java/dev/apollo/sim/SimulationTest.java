package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoreCommand;
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
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimulationTest {

    private static final int STEPS = 60;
    private static final int BATCH = 16;
    /** Stages 1, 3, 6, 12 from steps 0, 10, 20, 30, with uniform depths so the early stages vary. */
    private static final RunPlan PLAN = RunPlan.from(ConfigLoader.load("tiny", null, List.of(
            "train.steps=" + STEPS,
            "train.batch-size=" + BATCH,
            "train.eval-every=10",
            "train.checkpoint-every=20",
            "stages.layers=[1,3,6,12]",
            "stages.boundary-unit=steps",
            "stages.boundaries=[10,20,30]",
            "sampler.kind=uniform")));

    private static boolean hasFaults(SimulationResult result) {
        return result.trace().stream().anyMatch(entry -> entry.kind() == TraceEntry.Kind.FAULT);
    }

    private static List<Violation> check(List<CoreCommand> commands) {
        return InvariantChecker.check(PLAN, step -> BatchLoss.mean(PLAN.seed(), step, 0, BATCH), commands);
    }

    private static Set<Invariant> invariants(List<Violation> violations) {
        return violations.stream().map(Violation::invariant).collect(Collectors.toSet());
    }

    private static <T extends CoreCommand> int indexOf(List<CoreCommand> commands, Class<T> type, Predicate<T> which) {
        return IntStream.range(0, commands.size())
                .filter(i -> type.isInstance(commands.get(i)) && which.test(type.cast(commands.get(i))))
                .findFirst().orElseThrow();
    }

    private static List<CoreCommand> faultFreeCommands() {
        return Simulation.run(PLAN, 3, 5, false).commands();
    }

    @Test
    void aFaultFreeRunCompletesWithoutViolations() {
        SimulationResult result = Simulation.run(PLAN, 3, 1, false);

        assertEquals(List.of(), result.violations());
        assertEquals(STEPS, result.stepsDone());
        assertEquals(IntStream.rangeClosed(1, STEPS).boxed().toList(),
                result.stepRecords().stream().map(r -> (int) r.stepsDone()).toList());
        assertInstanceOf(FinishRun.class, result.commands().get(result.commands().size() - 1));
        assertFalse(hasFaults(result));
        assertEquals(result.commands().size(),
                result.trace().stream().filter(entry -> entry.kind() == TraceEntry.Kind.COMMAND).count());
        for (StepRecord row : result.stepRecords()) {
            long step = row.stepsDone() - 1;
            assertEquals(PLAN.depthAt(step, PLAN.stages().weightsAt(step)), row.depth());
        }
        // the clock ran at least as long as the steps' compute, split over the three workers
        long compute = result.stepRecords().stream()
                .mapToLong(r -> Simulation.COMPUTE_PER_LAYER_ROW * r.depth() * (BATCH / 3)).sum();
        assertTrue(result.finalTime() > compute, () -> result.finalTime() + " <= " + compute);
    }

    @Test
    void theSameSeedReplaysTheSameTrace() {
        SimulationResult first = Simulation.run(PLAN, 3, 17, true);
        SimulationResult replay = Simulation.run(PLAN, 3, 17, true);
        SimulationResult otherSeed = Simulation.run(PLAN, 3, 18, true);

        assertTrue(hasFaults(first));
        assertEquals(first.trace(), replay.trace());
        assertEquals(first.finalTime(), replay.finalTime());
        assertNotEquals(first.trace(), otherSeed.trace());
    }

    @Test
    void runsWithFaultsKeepStepOrderExpansionsDepthsAndWholeBatches() {
        List<Integer> faultFreeDepths = Simulation.run(PLAN, 3, 0, false).depths();
        int withFaults = 0;
        for (long seed = 0; seed < 200; seed++) {
            SimulationResult result = Simulation.run(PLAN, 3, seed, true);
            assertEquals(List.of(), result.violations(), "seed " + seed);
            assertEquals(STEPS, result.stepsDone(), "seed " + seed);
            assertEquals(faultFreeDepths, result.depths(), "seed " + seed);
            withFaults += hasFaults(result) ? 1 : 0;
        }
        assertTrue(withFaults > 150, withFaults + " of 200 runs had a fault"); // the faults did happen
    }

    @Test
    void theCheckerPassesTheUnalteredStream() {
        assertEquals(List.of(), check(faultFreeCommands()));
    }

    @Test
    void theCheckerCatchesAStepAppliedTwice() {
        List<CoreCommand> altered = new ArrayList<>(faultFreeCommands());
        int record = indexOf(altered, RecordStep.class, r -> r.record().stepsDone() == 5);
        altered.add(record + 1, altered.get(record));

        List<Violation> violations = check(altered);
        assertTrue(invariants(violations).contains(Invariant.STEP_ORDER), violations::toString);
        assertTrue(violations.stream().anyMatch(v -> v.detail().equals("step 4 recorded after 5 steps")),
                violations::toString);
    }

    @Test
    void theCheckerCatchesASkippedStep() {
        List<CoreCommand> altered = new ArrayList<>(faultFreeCommands());
        altered.remove(indexOf(altered, RecordStep.class, r -> r.record().stepsDone() == 5));

        assertTrue(invariants(check(altered)).contains(Invariant.STEP_ORDER));
    }

    @Test
    void theCheckerCatchesAnExpansionOneStepLate() {
        List<CoreCommand> altered = new ArrayList<>(faultFreeCommands());
        ExpandWeights onTime = (ExpandWeights) altered.remove(indexOf(altered, ExpandWeights.class, e -> e.step() == 20));
        altered.add(indexOf(altered, RunStep.class, s -> s.step() == 21),
                new ExpandWeights(21, onTime.fromWeights(), onTime.toWeights(), onTime.sourceOfSlot()));

        List<Violation> violations = check(altered);
        assertEquals(Set.of(Invariant.EXPANSION), invariants(violations), violations::toString);
        assertTrue(violations.contains(
                new Violation(Invariant.EXPANSION, "expansion at step 21, which starts no stage")), violations::toString);
        assertTrue(violations.contains(
                new Violation(Invariant.EXPANSION, "no expansion at the stage start 20")), violations::toString);
    }

    @Test
    void theCheckerCatchesAStepOffThePlannedDepth() {
        List<CoreCommand> altered = new ArrayList<>(faultFreeCommands());
        int at = indexOf(altered, RunStep.class, s -> s.step() == 3);
        RunStep planned = (RunStep) altered.get(at);
        int other = planned.depth() == 12 ? 11 : planned.depth() + 1;
        altered.set(at, new RunStep(planned.step(), planned.attempt(), planned.stage(), planned.weights(), other,
                PLAN.sharingMap(planned.weights(), other), planned.lr(), planned.shards()));

        assertEquals(Set.of(Invariant.DEPTH), invariants(check(altered)));
    }

    @Test
    void theCheckerCatchesAShardCountedTwice() {
        List<CoreCommand> altered = new ArrayList<>(faultFreeCommands());
        int at = indexOf(altered, RunStep.class, s -> s.step() == 7);
        RunStep step = (RunStep) altered.get(at);
        altered.set(at, new RunStep(step.step(), step.attempt(), step.stage(), step.weights(), step.depth(), step.layerMap(),
                step.lr(), List.of(new Shard("w0", 0, 8), new Shard("w1", 4, 8), new Shard("w2", 12, 4))));
        // and the loss recorded as if rows 4..7 had been averaged in twice
        int record = indexOf(altered, RecordStep.class, r -> r.record().stepsDone() == 8);
        StepRecord row = ((RecordStep) altered.get(record)).record();
        double doubled = (8 * BatchLoss.mean(PLAN.seed(), 7, 0, 8) + 8 * BatchLoss.mean(PLAN.seed(), 7, 4, 8)
                + 4 * BatchLoss.mean(PLAN.seed(), 7, 12, 4)) / 20;
        altered.set(record, new RecordStep(new StepRecord(row.stepsDone(), row.stage(), row.weights(), row.depth(),
                doubled, row.gradNorm(), row.lr(), row.tokens(), row.flops())));

        assertEquals(Set.of(Invariant.SHARDS, Invariant.LOSS), invariants(check(altered)));
    }

    @Test
    void theCheckerCatchesAWorkerJoinedMidStepTakingPartInTheReissue() {
        InvariantChecker checker = new InvariantChecker(PLAN, step -> BatchLoss.mean(PLAN.seed(), step, 0, BATCH));
        int depth = PLAN.depthAt(0, 1);
        Function<List<Shard>, RunStep> stepZero = shards -> new RunStep(0, 0, 0, 1, depth, PLAN.sharingMap(1, depth),
                PLAN.learningRate().at(0), shards);
        checker.delivered(new WorkerJoined("w0"));
        checker.delivered(new WorkerJoined("w1"));
        checker.issued(stepZero.apply(List.of(new Shard("w0", 0, 8), new Shard("w1", 8, 8))));
        assertEquals(List.of(), checker.violations());

        checker.delivered(new WorkerJoined("w2"));
        checker.delivered(new WorkerLeft("w1"));
        checker.issued(stepZero.apply(List.of(new Shard("w0", 0, 8), new Shard("w2", 8, 8))));

        assertEquals(Set.of(Invariant.SHARDS), invariants(checker.violations()));
    }

    @Test
    void theCheckerCatchesARunThatNeverFinishes() {
        List<CoreCommand> altered = new ArrayList<>(faultFreeCommands());
        altered.remove(altered.size() - 1);

        assertEquals(Set.of(Invariant.COMPLETION), invariants(check(altered)));
    }
}
