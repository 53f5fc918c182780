package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.TrainingMethod;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.sim.SchedulePlanner.Estimate;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulePlannerTest {

    private static final ApolloConfig GPT_BASE = ConfigLoader.load("gpt-base", null,
            List.of("train.steps=2000", "train.batch-size=512"));

    @Test
    void scratchIsEveryStepAtTheFullDepthAndTheOthersCostLess() {
        List<Estimate> plan = SchedulePlanner.plan(GPT_BASE, ClusterSpec.of(64, "a100"));
        RunPlan configured = RunPlan.from(GPT_BASE);

        assertEquals(List.of(TrainingMethod.SCRATCH, TrainingMethod.STACKBERT, TrainingMethod.APOLLO),
                plan.stream().map(Estimate::schedule).toList());
        Estimate scratch = plan.get(0);
        Estimate stackbert = plan.get(1);
        Estimate apollo = plan.get(2);
        assertEquals(configured.scratchFlops(), scratch.flops(), configured.scratchFlops() * 1e-12);
        assertEquals(0, scratch.expansionSeconds());
        assertTrue(stackbert.flops() < apollo.flops() && apollo.flops() < scratch.flops(), plan::toString);
        assertTrue(apollo.wallSeconds() < scratch.wallSeconds(), plan::toString);
        assertTrue(apollo.expansionSeconds() > 0);
        for (Estimate estimate : plan) {
            assertEquals(estimate.computeSeconds() + estimate.allReduceSeconds() + estimate.expansionSeconds(),
                    estimate.wallSeconds(), 1e-9);
            assertEquals(estimate.wallSeconds() / 3600 * 64, estimate.deviceHours(), 1e-12);
            assertEquals(64, estimate.activeWorkers());
        }
    }

    @Test
    void apolloFlopsFollowTheCoresOwnDepthDraws() {
        Estimate apollo = SchedulePlanner.plan(GPT_BASE, ClusterSpec.of(8, "a100")).get(2);
        RunPlan plan = RunPlan.from(GPT_BASE);
        double flops = 0;
        for (long step = 0; step < plan.totalSteps(); step++) {
            flops += plan.flops().stepFlops(plan.depthAt(step, plan.stages().weightsAt(step)));
        }
        assertEquals(flops, apollo.flops());
    }

    @Test
    void moreWorkersThanRowsLeaveSomeIdleButStillBilled() {
        Estimate scratch = SchedulePlanner.plan(ConfigLoader.load("gpt-base", null, List.of("train.steps=100")),
                ClusterSpec.of(1024, "a100")).get(0);

        assertEquals(8, scratch.activeWorkers()); // gpt-base's batch of 8
        assertEquals(scratch.wallSeconds() / 3600 * 1024, scratch.deviceHours(), 1e-12);
    }

    @Test
    void moreWorkersShortenComputeUntilTheAllReduceDominates() {
        double previous = Double.MAX_VALUE;
        for (int workers : new int[] {8, 64, 512}) {
            Estimate scratch = SchedulePlanner.plan(GPT_BASE, ClusterSpec.of(workers, "a100")).get(0);
            assertTrue(scratch.computeSeconds() < previous);
            previous = scratch.computeSeconds();
        }
        Estimate wide = SchedulePlanner.plan(GPT_BASE, ClusterSpec.of(512, "a100")).get(0);
        assertTrue(wide.allReduceSeconds() > wide.computeSeconds(), wide::toString);
    }
}
