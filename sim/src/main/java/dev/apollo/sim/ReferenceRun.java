package dev.apollo.sim;

import dev.apollo.coordinator.core.RunPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * The fault-free run of a plan, worked out directly from the plan and {@link SimData} with no core, network or
 * worker in between: the full batch's gradient and the replica digest at every boundary. What every simulated run
 * of the same seed must match, whatever happened to it. Computed lazily, step by step.
 */
final class ReferenceRun {

    private final RunPlan plan;
    /** Digest at boundary t before any expansion at t. */
    private final long[] beforeExpansion;
    /** Digest at boundary t with the stage's weights (after the expansion where one starts there). */
    private final long[] atStageWeights;
    private final List<long[]> batchGradients = new ArrayList<>();
    private int known;

    ReferenceRun(RunPlan plan) {
        this.plan = plan;
        int boundaries = (int) plan.totalSteps() + 1;
        this.beforeExpansion = new long[boundaries];
        this.atStageWeights = new long[boundaries];
        beforeExpansion[0] = ReplicaDigest.initial(plan.seed(), plan.freshStart().weights());
        atStageWeights[0] = beforeExpansion[0];
        known = 1;
    }

    /** The sum of the whole global batch's row gradients at {@code step}. */
    long[] batchGradient(long step) {
        while (batchGradients.size() <= step) {
            batchGradients.add(SimData.gradient(plan.seed(), batchGradients.size(), 0, plan.microBatches()));
        }
        return batchGradients.get((int) step);
    }

    /** The weights a state at boundary {@code step} holds after any expansion there. */
    int stageWeights(long step) {
        return plan.stages().weightsAt(Math.min(step, plan.totalSteps() - 1));
    }

    /**
     * The digest of the state (step, weights) in the fault-free run, or null if that run never holds such a state:
     * a step outside the run, or weights that are not the stage's (nor, at a stage start, the previous stage's).
     */
    Long digestAt(long step, int weights) {
        if (step < 0 || step > plan.totalSteps()) {
            return null;
        }
        extendTo((int) step);
        if (weights == stageWeights(step)) {
            return atStageWeights[(int) step];
        }
        if (plan.stages().isExpansionStep(step) && weights == plan.stages().weightsAt(step - 1)) {
            return beforeExpansion[(int) step];
        }
        return null;
    }

    private void extendTo(int boundary) {
        while (known <= boundary) {
            int step = known - 1;
            int weights = stageWeights(step);
            int depth = plan.depthAt(step, weights);
            long next = ReplicaDigest.afterStep(atStageWeights[step], step, weights, depth,
                    plan.learningRate().at(step), batchGradient(step));
            beforeExpansion[known] = next;
            atStageWeights[known] = next;
            if (known < plan.totalSteps() && plan.stages().isExpansionStep(known)) {
                int to = plan.stages().weightsAt(known);
                atStageWeights[known] = ReplicaDigest.afterExpansion(next, to, plan.expansionMap(weights, to));
            }
            known++;
        }
    }
}
