package dev.apollo.config;

import com.typesafe.config.ConfigUtil;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes an {@link ApolloConfig} back as HOCON with every key, so a run can store the exact configuration it used.
 * Doubles are written with {@link Double#toString}, which parses back to the identical value.
 */
final class ConfigRenderer {

    private final StringBuilder text = new StringBuilder("apollo {\n");
    private boolean inSection;

    private ConfigRenderer() {}

    static String render(ApolloConfig config) {
        ConfigRenderer out = new ConfigRenderer();
        ModelConfig model = config.model();
        out.section("model")
                .entry("objective", model.objective())
                .entry("layers", model.layers())
                .entry("d-model", model.dModel())
                .entry("heads", model.heads())
                .entry("seq-len", model.seqLen())
                .entry("vocab-size", model.vocabSize() == ModelConfig.AUTO_VOCAB ? "auto" : model.vocabSize())
                .entry("ffn-multiplier", model.ffnMultiplier())
                .entry("layer-norm-eps", model.layerNormEps())
                .entry("init-std", model.initStd());
        StageConfig stages = config.stages();
        out.section("stages")
                .entry("layers", stages.layers())
                .entry("boundaries", stages.boundaries())
                .entry("boundary-unit", stages.boundaryUnit())
                .entry("sharing", stages.sharing())
                .entry("expansion", stages.expansion());
        SamplerConfig sampler = config.sampler();
        out.section("sampler")
                .entry("kind", sampler.kind())
                .entry("k", sampler.k());
        OptimizerConfig optimizer = config.optimizer();
        out.section("optimizer")
                .entry("lr", optimizer.lr())
                .entry("beta1", optimizer.beta1())
                .entry("beta2", optimizer.beta2())
                .entry("eps", optimizer.eps())
                .entry("weight-decay", optimizer.weightDecay())
                .entry("grad-clip", optimizer.gradClip())
                .entry("moments-at-expansion", optimizer.momentsAtExpansion());
        ScheduleConfig schedule = config.schedule();
        out.section("schedule")
                .entry("warmup-fraction", schedule.warmupFraction())
                .entry("decay", schedule.decay())
                .entry("decay-fraction", schedule.decayFraction())
                .entry("min-lr-ratio", schedule.minLrRatio())
                .entry("rewarmup-steps", schedule.rewarmupSteps());
        TrainConfig train = config.train();
        out.section("train")
                .entry("steps", train.steps())
                .entry("batch-size", train.batchSize())
                .entry("micro-batch-size", train.microBatchSize())
                .entry("seed", train.seed())
                .entry("eval-every", train.evalEvery())
                .entry("eval-batches", train.evalBatches())
                .entry("checkpoint-every", train.checkpointEvery())
                .entry("max-skipped-steps", train.maxSkippedSteps());
        DataConfig data = config.data();
        out.section("data")
                .entry("path", data.path().orElse(""))
                .entry("format", data.format())
                .entry("tokenizer", data.tokenizer())
                .entry("token-cache", data.tokenCache().orElse(""))
                .entry("validation-fraction", data.validationFraction())
                .entry("mask-probability", data.maskProbability());
        RuntimeConfig runtime = config.runtime();
        out.section("runtime")
                .entry("device", runtime.device())
                .entry("threads", runtime.threads());
        out.section("cluster")
                .entry("min-workers", config.cluster().minWorkers())
                .entry("step-timeout", config.cluster().stepTimeout())
                .entry("phase-timeout", config.cluster().phaseTimeout())
                .entry("join-timeout", config.cluster().joinTimeout());
        return out.close();
    }

    private ConfigRenderer section(String name) {
        closeSection();
        text.append("  ").append(name).append(" {\n");
        inSection = true;
        return this;
    }

    private ConfigRenderer entry(String key, Object value) {
        text.append("    ").append(key).append(" = ").append(hocon(value)).append('\n');
        return this;
    }

    private void closeSection() {
        if (inSection) {
            text.append("  }\n");
        }
    }

    private String close() {
        closeSection();
        return text.append("}\n").toString();
    }

    private static String hocon(Object value) {
        if (value instanceof Enum<?> constant) {
            return EnumNames.toHocon(constant);
        }
        if (value instanceof String string) {
            return ConfigUtil.quoteString(string);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ConfigRenderer::hocon).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Duration duration) {
            return duration.toMillis() + " ms"; // whole milliseconds: HOCON reads them back exactly
        }
        return value.toString(); // Integer, Long, Double: Double.toString round-trips exactly
    }
}
