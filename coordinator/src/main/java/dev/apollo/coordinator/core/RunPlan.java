package dev.apollo.coordinator.core;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigError;
import dev.apollo.config.LayerMapKind;
import dev.apollo.coordinator.apollo.DepthSampler;
import dev.apollo.coordinator.apollo.FlopsModel;
import dev.apollo.coordinator.apollo.LayerMap;
import dev.apollo.coordinator.apollo.LearningRateSchedule;
import dev.apollo.coordinator.apollo.StageSchedule;
import dev.apollo.protocol.RunSnapshot;
import java.util.Arrays;
import java.util.List;

/**
 * Everything the core decides from, resolved once from the configuration: the stage schedule, the depth sampler,
 * the layer maps, the learning-rate schedule, the FLOPs model, the fewest workers to step with and the most steps in
 * a row that may be skipped for a non-finite loss or gradient. Depth, data order and learning rate are all functions
 * of (seed, step), so a simulator, a resumed run and every worker agree on them, whatever the membership.
 */
public record RunPlan(
        long totalSteps,
        long seed,
        int totalLayers,
        int microBatches,
        long tokensPerStep,
        StageSchedule stages,
        DepthSampler sampler,
        LayerMapKind sharing,
        LayerMapKind expansion,
        LearningRateSchedule learningRate,
        FlopsModel flops,
        int evalEvery,
        int checkpointEvery,
        int minWorkers,
        int maxSkippedSteps) {

    public static RunPlan from(ApolloConfig config) {
        var model = config.model();
        var train = config.train();
        StageSchedule stages = stageSchedule(config);
        return new RunPlan(
                train.steps(),
                train.seed(),
                model.layers(),
                train.microBatches(),
                config.tokensPerStep(),
                stages,
                DepthSampler.of(config.sampler().kind().name(), model.layers(),
                        config.sampler().k()),
                config.stages().sharing(),
                config.stages().expansion(),
                learningRate(config, stages),
                new FlopsModel(model.dModel(), model.seqLen(), train.batchSize(), model.vocabSize(),
                        model.ffnMultiplier()),
                train.evalEvery(),
                train.checkpointEvery(),
                config.cluster().minWorkers(),
                train.maxSkippedSteps());
    }

    /** Stage boundaries resolved to steps; boundaries that collapse onto one step are a configuration error. */
    private static StageSchedule stageSchedule(ApolloConfig config) {
        var stages = config.stages();
        int[] layers = stages.layers().stream().mapToInt(Integer::intValue).toArray();
        long steps = config.train().steps();
        try {
            return switch (stages.boundaryUnit()) {
                case FRACTION -> StageSchedule.fromFractions(layers,
                        stages.boundaries().stream().mapToDouble(Double::doubleValue).toArray(), steps);
                case STEPS -> StageSchedule.fromSteps(layers, whole(stages.boundaries()), steps);
                case TOKENS -> StageSchedule.fromTokens(layers, whole(stages.boundaries()), config.tokensPerStep(), steps);
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigError("apollo.stages.boundaries = " + stages.boundaries() + ": " + e.getMessage());
        }
    }

    private static LearningRateSchedule learningRate(ApolloConfig config, StageSchedule stages) {
        var schedule = config.schedule();
        return LearningRateSchedule.fromFractions(config.optimizer().lr(), config.train().steps(),
                schedule.warmupFraction(), LearningRateSchedule.Decay.named(schedule.decay().name()),
                schedule.decayFraction(), schedule.minLrRatio(), schedule.rewarmupSteps(), stages.expansionSteps());
    }

    private static long[] whole(List<Double> values) {
        return values.stream().mapToLong(Double::longValue).toArray();
    }

    public RunSnapshot freshStart() {
        return new RunSnapshot(0, 0, stages.weights(0), seed, 0, 0.0);
    }

    public int depthAt(long step, int weights) {
        return sampler.draw(weights, seed, step);
    }

    public List<Integer> sharingMap(int weights, int depth) {
        return boxed(map(sharing, weights, depth));
    }

    public List<Integer> expansionMap(int fromWeights, int toWeights) {
        return boxed(map(expansion, fromWeights, toWeights));
    }

    public boolean evaluationDue(long stepsDone) {
        return stepsDone % evalEvery == 0 || stepsDone == totalSteps;
    }

    public boolean checkpointDue(long stepsDone) {
        return (checkpointEvery > 0 && stepsDone % checkpointEvery == 0) || stepsDone == totalSteps;
    }

    /** FLOPs of the same number of steps at the full depth from step 0: the scratch baseline. */
    public double scratchFlops() {
        return totalSteps * flops.stepFlops(totalLayers);
    }

    private static int[] map(LayerMapKind kind, int weights, int depth) {
        return kind == LayerMapKind.STACKING ? LayerMap.stacking(weights, depth) : LayerMap.interpolation(weights, depth);
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
