package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepRecord;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimulationTest {

    private static List<String> withoutLossAndWork(List<StepRecord> rows) {
        // a step's loss is summed shard by shard, so another split rounds differently in the last bits; the busy
        // time depends on the split
        return rows.stream().map(r -> new StepRecord(r.stepsDone(), r.stage(), r.weights(), r.depth(), 0, r.gradNorm(),
                r.lr(), r.tokens(), r.flops(), 0.0).toString()).toList();
    }

    @Test
    void aFaultFreeRunFinishesWithTheStateOfTheReferenceRun() {
        SimulationResult result = Simulation.run(Scenarios.of(3, 4, Scenarios.NONE), false);

        assertEquals(List.of(), result.violations());
        assertTrue(result.finished());
        assertEquals(IntStream.rangeClosed(1, Scenarios.STEPS).boxed().toList(),
                result.stepRecords().stream().map(r -> (int) r.stepsDone()).toList());
        assertEquals(Long.valueOf(result.referenceDigest()), result.finalDigest());
        assertInstanceOf(FinishRun.class, result.commands().get(result.commands().size() - 1));
        assertEquals(List.of(6L, 12L, 24L), result.issued(ExpandWeights.class).stream().map(ExpandWeights::step).toList());
        for (RunStep step : result.issued(RunStep.class)) {
            assertEquals(0, step.attempt(), step::toString);
            assertEquals(List.of("w0", "w1", "w2", "w3"), step.shards().stream().map(Shard::workerId).toList());
        }
        assertEquals(0, result.stats().faults().values().stream().mapToInt(Integer::intValue).sum());
        // the virtual clock ran at least as long as the steps' compute on the busiest worker
        CostModel cost = CostModel.of(Scenarios.config(3), RunPlan.from(Scenarios.config(3)).flops(),
                ClusterSpec.of(4, "a100"));
        double compute = result.stepRecords().stream()
                .mapToDouble(r -> cost.computeSeconds(r.depth(), r.weights(), Scenarios.BATCH / 4)).sum();
        assertTrue(result.virtualNanos() > compute * 1e9, () -> result.virtualNanos() + " <= " + compute * 1e9);
    }

    @Test
    void theSameSeedReplaysEventForEvent() {
        SimulationResult first = Simulation.run(Scenarios.of(17, 4, Scenarios.ALL), true);
        SimulationResult replay = Simulation.run(Scenarios.of(17, 4, Scenarios.ALL), true);
        SimulationResult untraced = Simulation.run(Scenarios.of(17, 4, Scenarios.ALL), false);
        SimulationResult otherSeed = Simulation.run(Scenarios.of(18, 4, Scenarios.ALL), true);

        assertTrue(first.stats().faults().size() >= 6, () -> first.stats().faults().toString());
        assertFalse(first.trace().isEmpty());
        assertEquals(first.trace(), replay.trace());
        assertEquals(first.events(), replay.events());
        assertEquals(first.commands(), untraced.commands()); // keeping the trace changes nothing
        assertEquals(first.events(), untraced.events());
        assertEquals(first.virtualNanos(), untraced.virtualNanos());
        assertNotEquals(first.trace(), otherSeed.trace());
    }

    @Test
    void runsWithEveryFaultEndAsTheFaultFreeRunOfTheirSeedDoes() {
        int faulty = 0;
        for (long seed = 0; seed < 40; seed++) {
            SimulationResult clean = Simulation.run(Scenarios.of(seed, 3, Scenarios.NONE), false);
            SimulationResult result = Simulation.run(Scenarios.of(seed, 3, Scenarios.ALL), false);
            long s = seed;
            assertEquals(List.of(), result.violations(), () -> "seed " + s);
            assertEquals(clean.depths(), result.depths(), "seed " + seed);
            assertEquals(withoutLossAndWork(clean.stepRecords()), withoutLossAndWork(result.stepRecords()), "seed " + seed);
            assertEquals(clean.finalDigest(), result.finalDigest(), "seed " + seed);
            faulty += result.stats().superseded() + result.stats().rollbacks() > 0 ? 1 : 0;
        }
        assertTrue(faulty > 20, faulty + " of 40 runs re-ran a step or rolled back");
    }

    @Test
    void belowTheMinimumOfWorkersNoStepRunsAndTheRunWaitsForNewOnes() {
        int waited = 0;
        for (long seed = 0; seed < 20; seed++) {
            SimulationResult result = Simulation.run(
                    Scenarios.of(seed, 3, EnumSet.of(FaultKind.CRASH), "cluster.min-workers=3"), false);
            assertEquals(List.of(), result.violations(), "seed " + seed);
            for (RunStep step : result.issued(RunStep.class)) {
                assertEquals(3, step.shards().size(), step::toString);
            }
            // a crashed worker's step was finished by the three after one came back, under its new id
            waited += result.issued(RunStep.class).stream()
                    .anyMatch(step -> step.shards().stream().anyMatch(s -> s.workerId().contains("."))) ? 1 : 0;
        }
        assertEquals(20, waited);
    }

    @Test
    void moreWorkersThanRowsWaitAsStandbysAndStepIn() {
        SimulationResult result = Simulation.run(
                Scenarios.of(5, 6, EnumSet.of(FaultKind.CRASH, FaultKind.LEAVE), "train.batch-size=4"), false);

        assertEquals(List.of(), result.violations());
        assertTrue(result.issued(RunStep.class).stream().allMatch(step -> step.shards().size() <= 4));
        assertTrue(result.issued(RunStep.class).stream()
                .anyMatch(step -> step.shards().stream().anyMatch(s -> s.workerId().equals("w4")
                        || s.workerId().equals("w5"))), "a standby took a row");
    }

    @Test
    void aRunOnOneWorkerWithoutFaultsIsTheSameRunAsOnFour() {
        SimulationResult one = Simulation.run(Scenarios.of(9, 1, Scenarios.NONE), false);
        SimulationResult four = Simulation.run(Scenarios.of(9, 4, Scenarios.NONE), false);

        assertEquals(List.of(), one.violations());
        assertEquals(one.finalDigest(), four.finalDigest());
        assertEquals(withoutLossAndWork(one.stepRecords()), withoutLossAndWork(four.stepRecords()));
        assertNotEquals(one.virtualNanos(), four.virtualNanos());
    }

    @Test
    void eachSeedDrawsItsOwnFaultRatesAndSomePartitionsComeOneByOne() {
        List<Integer> lost = new ArrayList<>();
        int staggered = 0;
        for (long seed = 0; seed < 30; seed++) {
            SimulationResult result = Simulation.run(Scenarios.of(seed, 4, Scenarios.ALL), true);
            assertEquals(List.of(), result.violations(), "seed " + seed);
            lost.add(result.stats().faults().getOrDefault(FaultKind.LOSS, 0));
            staggered += result.trace().stream().anyMatch(entry -> entry.toString().contains("one by one")) ? 1 : 0;
        }
        int fewest = lost.stream().mapToInt(Integer::intValue).min().orElseThrow();
        int most = lost.stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(most > 5 * Math.max(1, fewest), () -> "messages lost per seed: " + lost);
        assertTrue(staggered >= 3, staggered + " of 30 seeds cut workers off one by one");
    }
}
