package dev.apollo.sim;

import com.typesafe.config.ConfigFactory;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.TrainingMethod;
import dev.apollo.coordinator.core.RunPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Planning at scale: what the scratch, StackBERT and Apollo schedules of a configured run cost on a modelled cluster,
 * worked out step by step from the same {@link RunPlan} the coordinator follows (its depth draws included) and the
 * {@link CostModel} the simulator charges. A step takes the slowest worker's compute (rows split as the core splits
 * them, in micro-batches where memory says so) and then a ring all-reduce of the stage's gradient, not overlapped;
 * an expansion pulls the state from one replica and broadcasts the grown state along a pipelined tree. Evaluations
 * and checkpoints are left out: they cost every schedule the same.
 */
public final class SchedulePlanner {

    /** The methods a plan compares: the baseline, progressive stacking, and Apollo. */
    static final List<TrainingMethod> COMPARED = List.of(TrainingMethod.SCRATCH, TrainingMethod.STACKBERT,
            TrainingMethod.APOLLO);

    /**
     * One schedule on one cluster.
     *
     * @param activeWorkers workers that own rows (the others wait: the global batch has fewer rows than workers)
     * @param microBatches  the most micro-batches any step needs on one worker (1: no gradient accumulation)
     */
    public record Estimate(TrainingMethod schedule, double flops, double wallSeconds, double deviceHours,
            double computeSeconds, double allReduceSeconds, double expansionSeconds, int activeWorkers,
            int microBatches) {}

    private SchedulePlanner() {}

    /** The three schedules of {@code config} on {@code cluster}, scratch first. */
    public static List<Estimate> plan(ApolloConfig config, ClusterSpec cluster) {
        List<Estimate> estimates = new ArrayList<>();
        for (TrainingMethod schedule : COMPARED) {
            estimates.add(estimate(schedule, variant(config, schedule), cluster));
        }
        return estimates;
    }

    /** The configuration with a schedule's overrides on top, validated as any configuration is. */
    static ApolloConfig variant(ApolloConfig config, TrainingMethod schedule) {
        var layered = ConfigFactory.parseString(ConfigLoader.render(config));
        for (String override : schedule.overrides(config.model().layers())) {
            layered = ConfigFactory.parseString("apollo." + override).withFallback(layered);
        }
        return ConfigLoader.parse(layered);
    }

    private static Estimate estimate(TrainingMethod schedule, ApolloConfig config, ClusterSpec cluster) {
        RunPlan plan = RunPlan.from(config);
        CostModel cost = CostModel.of(config, plan.flops(), cluster);
        int active = Math.min(cluster.workers(), plan.microBatches());
        int rows = (plan.flops().batchSize() + active - 1) / active; // the slowest worker's share
        double flops = 0;
        double compute = 0;
        double allReduce = 0;
        double expansion = 0;
        int microBatches = 1;
        int weights = plan.freshStart().weights();
        for (long step = 0; step < plan.totalSteps(); step++) {
            int stageWeights = plan.stages().weightsAt(step);
            if (stageWeights != weights) {
                expansion += cost.messageSeconds(cost.stateBytes(weights)) + broadcastSeconds(cost, stageWeights, active);
                weights = stageWeights;
            }
            int depth = plan.depthAt(step, weights);
            flops += plan.flops().stepFlops(depth);
            compute += cost.computeSeconds(depth, weights, rows);
            allReduce += cost.ringAllReduceSeconds(weights, active);
            microBatches = Math.max(microBatches, cost.microBatches(depth, weights, rows));
        }
        double wall = compute + allReduce + expansion;
        return new Estimate(schedule, flops, wall, wall / 3600 * cluster.workers(), compute, allReduce, expansion,
                active, microBatches);
    }

    private static double broadcastSeconds(CostModel cost, int weights, int workers) {
        int hops = 64 - Long.numberOfLeadingZeros(Math.max(1, workers - 1));
        return cost.stateBytes(weights) / cost.cluster().linkBytesPerSecond()
                + hops * cost.cluster().linkLatencySeconds();
    }
}
