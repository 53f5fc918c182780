package dev.apollo.config;

import java.time.Duration;
import java.util.List;

/**
 * The range and cross-key rules of every key, checked once when a configuration is parsed, so everything downstream
 * can trust an {@link ApolloConfig}. Comparisons are written so that NaN fails them.
 */
final class ConfigValidator {

    /** Reports the offending value as it was written. */
    private final ConfigReader source;

    private ConfigValidator(ConfigReader source) {
        this.source = source;
    }

    static void validate(ApolloConfig config, ConfigReader source) {
        ConfigValidator validator = new ConfigValidator(source);
        validator.model(config.model(), config.data().bytes());
        // Stage boundaries are checked against the run length, so that goes first.
        validator.train(config.train());
        validator.stages(config.stages(), config);
        validator.sampler(config.sampler());
        validator.optimizer(config.optimizer());
        validator.schedule(config.schedule());
        validator.data(config.data());
        validator.runtime(config.runtime());
        validator.cluster(config.cluster(), config.train());
    }

    private void model(ModelConfig model, boolean bytes) {
        require(model.layers() >= 1, "model.layers", "must be >= 1");
        require(model.dModel() >= 1, "model.d-model", "must be >= 1");
        require(model.heads() >= 1, "model.heads", "must be >= 1");
        require(model.dModel() % model.heads() == 0, "model.heads",
                "must divide apollo.model.d-model (" + model.dModel() + ")");
        require(model.seqLen() >= 2, "model.seq-len", "must be >= 2");
        if (!bytes) {
            require(model.vocabSize() >= 0, "model.vocab-size",
                    "must be auto or a whole number (at least the tokenizer's vocabulary)");
        } else if (model.objective() == Objective.BERT) {
            require(model.vocabSize() >= 260, "model.vocab-size",
                    "must be auto or >= 260 with objective bert (256 bytes + [PAD], [CLS], [SEP], [MASK])");
        } else {
            require(model.vocabSize() >= 256, "model.vocab-size", "must be auto or >= 256 (one id per byte)");
        }
        require(model.ffnMultiplier() >= 1, "model.ffn-multiplier", "must be >= 1");
        require(model.layerNormEps() > 0, "model.layer-norm-eps", "must be > 0");
        require(model.initStd() > 0, "model.init-std", "must be > 0");
    }

    private void stages(StageConfig stages, ApolloConfig config) {
        List<Integer> layers = stages.layers();
        int modelLayers = config.model().layers();
        require(!layers.isEmpty(), "stages.layers", "must list at least one stage");
        require(layers.stream().allMatch(count -> count >= 1), "stages.layers", "every count must be >= 1");
        require(isStrictlyIncreasing(layers), "stages.layers", "counts must be strictly increasing");
        require(layers.stream().allMatch(count -> count <= modelLayers), "stages.layers",
                "no count may exceed apollo.model.layers (" + modelLayers + ")");

        List<Double> boundaries = stages.boundaries();
        require(boundaries.size() == layers.size() - 1, "stages.boundaries",
                "needs " + (layers.size() - 1) + " entries, one fewer than apollo.stages.layers");
        require(boundaries.stream().allMatch(boundary -> boundary > 0), "stages.boundaries", "every entry must be > 0");
        require(isStrictlyIncreasing(boundaries), "stages.boundaries", "entries must be strictly increasing");
        switch (stages.boundaryUnit()) {
            case FRACTION -> require(boundaries.stream().allMatch(boundary -> boundary < 1), "stages.boundaries",
                    "fractions must be in (0, 1)");
            case STEPS -> {
                requireWhole(boundaries, "steps");
                long steps = config.train().steps();
                require(boundaries.stream().allMatch(boundary -> boundary < steps), "stages.boundaries",
                        "steps must be < apollo.train.steps (" + steps + ")");
            }
            case TOKENS -> {
                requireWhole(boundaries, "tokens");
                // A boundary past the run's last token would leave the model short of its full depth.
                double runTokens = (double) config.train().steps() * config.tokensPerStep();
                require(boundaries.stream().allMatch(boundary -> boundary < runTokens), "stages.boundaries",
                        "tokens must be < the run's tokens, steps x batch-size x seq-len (" + (long) runTokens + ")");
            }
        }
    }

    private void requireWhole(List<Double> boundaries, String unit) {
        require(boundaries.stream().allMatch(boundary -> boundary == Math.rint(boundary)), "stages.boundaries",
                unit + " must be whole numbers");
    }

    private void sampler(SamplerConfig sampler) {
        require(sampler.k() >= 0, "sampler.k", "must be >= 0");
        if (sampler.kind() == SamplerKind.EDGE) {
            require(sampler.k() > 0, "sampler.k", "must be > 0 with kind edge (the paper uses 10)");
        }
    }

    private void optimizer(OptimizerConfig optimizer) {
        require(optimizer.lr() > 0, "optimizer.lr", "must be > 0");
        require(optimizer.beta1() >= 0 && optimizer.beta1() < 1, "optimizer.beta1", "must be in [0, 1)");
        require(optimizer.beta2() >= 0 && optimizer.beta2() < 1, "optimizer.beta2", "must be in [0, 1)");
        require(optimizer.eps() > 0, "optimizer.eps", "must be > 0");
        require(optimizer.weightDecay() >= 0, "optimizer.weight-decay", "must be >= 0");
        require(optimizer.gradClip() >= 0, "optimizer.grad-clip", "must be >= 0 (0 = no clipping)");
    }

    private void schedule(ScheduleConfig schedule) {
        require(schedule.warmupFraction() >= 0 && schedule.warmupFraction() < 1, "schedule.warmup-fraction",
                "must be in [0, 1)");
        require(schedule.decayFraction() > 0 && schedule.decayFraction() <= 1, "schedule.decay-fraction",
                "must be in (0, 1]");
        require(schedule.decay() != DecayKind.WSD || schedule.warmupFraction() + schedule.decayFraction() <= 1,
                "schedule.decay-fraction", "with decay = wsd, warmup-fraction + decay-fraction must be <= 1 (got "
                        + schedule.warmupFraction() + " + " + schedule.decayFraction() + ")");
        require(schedule.minLrRatio() >= 0 && schedule.minLrRatio() <= 1, "schedule.min-lr-ratio",
                "must be in [0, 1]");
        require(schedule.rewarmupSteps() >= 0, "schedule.rewarmup-steps", "must be >= 0 (0 = no re-warmup)");
    }

    private void train(TrainConfig train) {
        require(train.steps() >= 1, "train.steps", "must be >= 1");
        require(train.batchSize() >= 1, "train.batch-size", "must be >= 1");
        require(train.microBatchSize() >= 0 && train.microBatchSize() <= train.batchSize()
                && (train.microBatchSize() == 0 || train.batchSize() % train.microBatchSize() == 0),
                "train.micro-batch-size", "must be 0 or divide apollo.train.batch-size (" + train.batchSize() + ")");
        require(train.evalEvery() >= 1, "train.eval-every", "must be >= 1");
        require(train.evalBatches() >= 1, "train.eval-batches", "must be >= 1");
        require(train.checkpointEvery() >= 0, "train.checkpoint-every", "must be >= 0 (0 = only at the end)");
        require(train.maxSkippedSteps() >= 1, "train.max-skipped-steps", "must be >= 1");
    }

    private void data(DataConfig data) {
        require(!data.tokenizer().isBlank(), "data.tokenizer", "must be bytes or the path of a tokenizer.json");
        require(data.validationFraction() > 0 && data.validationFraction() <= 0.5, "data.validation-fraction",
                "must be in (0, 0.5]");
        require(data.maskProbability() > 0 && data.maskProbability() < 1, "data.mask-probability",
                "must be in (0, 1)");
    }

    private void runtime(RuntimeConfig runtime) {
        require(runtime.threads() >= 1, "runtime.threads", "must be >= 1");
    }

    private void cluster(ClusterConfig cluster, TrainConfig train) {
        // Every admitted worker owns at least one micro-batch of the global batch, so more could never be admitted.
        require(cluster.minWorkers() >= 1 && cluster.minWorkers() <= train.microBatches(), "cluster.min-workers",
                "must be in [1, the micro-batches of a step (" + train.microBatches() + ")]");
        require(isPositive(cluster.stepTimeout()), "cluster.step-timeout", "must be a duration > 0");
        require(isPositive(cluster.phaseTimeout()), "cluster.phase-timeout", "must be a duration > 0");
        require(!cluster.joinTimeout().isNegative(), "cluster.join-timeout", "must be a duration >= 0");
    }

    private static boolean isPositive(Duration duration) {
        return !duration.isNegative() && !duration.isZero();
    }

    private static <T extends Comparable<T>> boolean isStrictlyIncreasing(List<T> values) {
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i - 1).compareTo(values.get(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    private void require(boolean holds, String key, String allowed) {
        if (!holds) {
            throw source.invalid(key, allowed);
        }
    }
}
