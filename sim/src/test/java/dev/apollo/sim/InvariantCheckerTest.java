package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepRecord;
import dev.apollo.sim.Violation.Invariant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The checker fed a core's command stream alone: the unaltered one passes, each altered one is caught. */
class InvariantCheckerTest {

    private static final RunPlan PLAN = RunPlan.from(Scenarios.config(11));

    private static List<CoreCommand> faultFreeCommands() {
        return new ArrayList<>(Simulation.run(Scenario.of(Scenarios.config(11), 3, Scenarios.NONE), false).commands());
    }

    private static List<Violation> check(List<CoreCommand> commands) {
        return InvariantChecker.check(PLAN,
                step -> SimData.meanLoss(PLAN.seed(), step, 0, Scenarios.BATCH), commands);
    }

    private static Set<Invariant> invariants(List<Violation> violations) {
        return violations.stream().map(Violation::invariant).collect(Collectors.toSet());
    }

    private static <T extends CoreCommand> int indexOf(List<CoreCommand> commands, Class<T> type, Predicate<T> which) {
        return IntStream.range(0, commands.size())
                .filter(i -> type.isInstance(commands.get(i)) && which.test(type.cast(commands.get(i))))
                .findFirst().orElseThrow();
    }

    @Test
    void passesTheUnalteredStream() {
        assertEquals(List.of(), check(faultFreeCommands()));
    }

    @Test
    void catchesAStepAppliedTwice() {
        List<CoreCommand> altered = faultFreeCommands();
        int record = indexOf(altered, RecordStep.class, r -> r.record().stepsDone() == 5);
        altered.add(record + 1, altered.get(record));

        List<Violation> violations = check(altered);
        assertTrue(violations.contains(new Violation(Invariant.STEP_ORDER, "step 4 recorded after 5 steps")),
                violations::toString);
    }

    @Test
    void catchesASkippedStep() {
        List<CoreCommand> altered = faultFreeCommands();
        altered.remove(indexOf(altered, RecordStep.class, r -> r.record().stepsDone() == 5));

        assertTrue(invariants(check(altered)).contains(Invariant.STEP_ORDER));
    }

    @Test
    void catchesAStepRecordedThatWasNeverIssued() {
        List<CoreCommand> altered = faultFreeCommands();
        altered.remove(indexOf(altered, RunStep.class, s -> s.step() == 5));

        assertEquals(List.of(new Violation(Invariant.STEP_ORDER, "step 5 recorded but never issued")), check(altered));
    }

    @Test
    void catchesAnExpansionOneStepLate() {
        List<CoreCommand> altered = faultFreeCommands();
        ExpandWeights onTime = (ExpandWeights) altered.remove(indexOf(altered, ExpandWeights.class, e -> e.step() == 12));
        altered.add(indexOf(altered, RunStep.class, s -> s.step() == 13),
                new ExpandWeights(13, onTime.fromWeights(), onTime.toWeights(), onTime.sourceOfSlot(),
                        onTime.sourceWorker(), onTime.holders()));

        List<Violation> violations = check(altered);
        // (the checkpoint at step 20 then holds 6 weights where the checker, which saw no expansion to 6, expects 3)
        assertEquals(Set.of(Invariant.EXPANSION, Invariant.CHECKPOINT), invariants(violations), violations::toString);
        assertTrue(violations.contains(
                new Violation(Invariant.EXPANSION, "expansion at step 13, which starts no stage")), violations::toString);
        assertEquals(new Violation(Invariant.EXPANSION, "step 12 runs on 6 weights after expanding to 3; the stage has 6"),
                violations.get(0));
    }

    @Test
    void catchesAStepOffThePlannedDepth() {
        List<CoreCommand> altered = faultFreeCommands();
        int at = indexOf(altered, RunStep.class, s -> s.step() == 3);
        RunStep planned = (RunStep) altered.get(at);
        int other = planned.depth() == 12 ? 11 : planned.depth() + 1;
        altered.set(at, new RunStep(planned.step(), planned.attempt(), planned.stage(), planned.weights(), other,
                PLAN.sharingMap(planned.weights(), other), planned.lr(), planned.shards()));

        assertEquals(Set.of(Invariant.DEPTH), invariants(check(altered)));
    }

    @Test
    void catchesAShardCountedTwice() {
        List<CoreCommand> altered = faultFreeCommands();
        int at = indexOf(altered, RunStep.class, s -> s.step() == 7);
        RunStep step = (RunStep) altered.get(at);
        altered.set(at, new RunStep(step.step(), step.attempt(), step.stage(), step.weights(), step.depth(),
                step.layerMap(), step.lr(), List.of(new Shard("w0", 0, 8), new Shard("w1", 4, 8), new Shard("w2", 12, 4))));
        // and the loss recorded as if rows 4..7 had been averaged in twice
        int record = indexOf(altered, RecordStep.class, r -> r.record().stepsDone() == 8);
        StepRecord row = ((RecordStep) altered.get(record)).record();
        long seed = PLAN.seed();
        double doubled = (8 * SimData.meanLoss(seed, 7, 0, 8) + 8 * SimData.meanLoss(seed, 7, 4, 8)
                + 4 * SimData.meanLoss(seed, 7, 12, 4)) / 20;
        altered.set(record, new RecordStep(new StepRecord(row.stepsDone(), row.stage(), row.weights(), row.depth(),
                doubled, row.gradNorm(), row.lr(), row.tokens(), row.flops(), row.workSeconds())));

        assertEquals(Set.of(Invariant.SHARDS, Invariant.LOSS), invariants(check(altered)));
    }

    @Test
    void catchesAStepBelowTheMinimumOfWorkers() {
        RunPlan needsTwo = RunPlan.from(Scenarios.config(11, "cluster.min-workers=2"));
        List<CoreCommand> alone = new ArrayList<>(
                Simulation.run(Scenario.of(Scenarios.config(11), 1, Scenarios.NONE), false).commands());

        List<Violation> violations = InvariantChecker.check(needsTwo,
                step -> SimData.meanLoss(needsTwo.seed(), step, 0, Scenarios.BATCH), alone);
        assertEquals(Set.of(Invariant.SHARDS), invariants(violations));
    }

    @Test
    void catchesARestoreFromACheckpointNeverWritten() {
        List<CoreCommand> altered = faultFreeCommands();
        RunSnapshot nowhere = new RunSnapshot(15, 1, 3, PLAN.seed(), 15 * PLAN.tokensPerStep(), 1.0);
        altered.add(indexOf(altered, RunStep.class, s -> s.step() == 20), new RestoreState(nowhere, List.of("w9")));

        assertTrue(check(altered).contains(new Violation(Invariant.CHECKPOINT,
                "the core restores from " + nowhere + ", which was never written")));
    }

    @Test
    void catchesARunThatNeverFinishes() {
        List<CoreCommand> altered = faultFreeCommands();
        altered.remove(altered.size() - 1);

        assertEquals(Set.of(Invariant.COMPLETION), invariants(check(altered)));
    }
}
