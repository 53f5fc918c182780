package dev.apollo.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds the validated {@link ApolloConfig} of a run from, highest first: {@code key=value} overrides, a HOCON
 * config file, a named preset, and reference.conf (which documents every key). Every problem is a
 * {@link ConfigError} with a one-line message.
 */
public final class ConfigLoader {

    private static final List<String> PRESETS = List.of("tiny", "gpt-base", "bert-base", "bert-large");

    private ConfigLoader() {}

    /**
     * @param preset           one of {@link #presets()}
     * @param configFileOrNull a HOCON file whose keys may be written inside {@code apollo { }} or without it
     * @param overrides        {@code key=value} with the key relative to {@code apollo.} and the value parsed as
     *                         HOCON ({@code optimizer.lr=3e-4}, {@code stages.layers=[1,2,4]}); later ones win.
     *                         As in any HOCON, an unquoted {@code //} or {@code #} starts a comment, so quote
     *                         such strings: {@code data.path="/corpora//brown.txt"}
     */
    public static ApolloConfig load(String preset, Path configFileOrNull, List<String> overrides) {
        Objects.requireNonNull(preset, "preset");
        Config file = configFileOrNull == null ? ConfigFactory.empty() : file(configFileOrNull);
        return parse(overrides(overrides)
                .withFallback(file)
                .withFallback(preset(preset))
                .withFallback(ReferenceConfig.config()));
    }

    /**
     * Reads and validates a complete configuration: a root with an {@code apollo} object holding every key of
     * reference.conf, as {@link #render} writes it. Nothing is filled in from reference.conf here. Substitutions
     * not yet resolved are resolved first.
     */
    public static ApolloConfig parse(Config resolvedRootConfig) {
        Config apollo = apolloSection(resolve(resolvedRootConfig));
        ReferenceConfig.rejectUnknownKeys(apollo);
        ConfigReader reader = new ConfigReader(apollo);
        ApolloConfig config = read(reader);
        ConfigValidator.validate(config, reader);
        return config;
    }

    /**
     * Reads a configuration a run stored (as in a checkpoint's manifest): keys added to reference.conf after it was
     * written take their defaults, so older checkpoints stay resumable.
     */
    public static ApolloConfig parseStored(String hocon) {
        try {
            return parse(ConfigFactory.parseString(hocon).withFallback(ReferenceConfig.config()));
        } catch (ConfigException e) {
            throw new ConfigError("stored configuration: " + e.getMessage(), e);
        }
    }

    /** {@code config} with {@code overrides} (as {@link #load}'s) applied and everything validated again. */
    public static ApolloConfig with(ApolloConfig config, List<String> overrides) {
        return parse(overrides(overrides).withFallback(ConfigFactory.parseString(render(config))));
    }

    /** HOCON with every key under {@code apollo}; {@code parse(ConfigFactory.parseString(render(c)))} equals c. */
    public static String render(ApolloConfig config) {
        return ConfigRenderer.render(config);
    }

    /** The preset names, smallest first. */
    public static List<String> presets() {
        return PRESETS;
    }

    private static Config overrides(List<String> overrides) {
        Config layered = ConfigFactory.empty();
        for (String override : overrides) {
            layered = override(override).withFallback(layered);
        }
        return layered;
    }

    private static Config override(String override) {
        int equals = override.indexOf('=');
        if (equals < 0) {
            throw new ConfigError("override '" + override + "' has no '=': write key=value, e.g. optimizer.lr=3e-4");
        }
        String key = override.substring(0, equals).strip();
        String value = override.substring(equals + 1).strip();
        if (value.isEmpty()) {
            throw new ConfigError("override '" + override + "' has no value: write \"\" for an empty string");
        }
        List<String> path = new ArrayList<>(List.of("apollo"));
        try {
            path.addAll(ConfigUtil.splitPath(key));
        } catch (ConfigException e) {
            throw new ConfigError("override '" + override + "': '" + key + "' is not a key such as optimizer.lr", e);
        }
        // Parsed as a one-line HOCON document so numbers, lists and quoted strings keep their HOCON meaning.
        String document = ConfigUtil.joinPath(path) + " = " + value;
        try {
            return ConfigFactory.parseString(document,
                    ConfigParseOptions.defaults().setOriginDescription("override '" + override + "'"));
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage(), e);
        }
    }

    private static Config file(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigError("config file " + path + " does not exist or is not a file");
        }
        if (!Files.isReadable(path)) {
            throw new ConfigError("config file " + path + " is not readable");
        }
        Config parsed;
        try {
            // HOCON whatever the extension (JSON is HOCON too), so a .properties or .json name changes nothing.
            parsed = ConfigFactory.parseFile(path.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage(), e);
        }
        Set<String> topLevel = new TreeSet<>(parsed.root().keySet());
        if (!topLevel.contains("apollo")) {
            return parsed.atPath("apollo");
        }
        topLevel.remove("apollo");
        if (!topLevel.isEmpty()) {
            throw new ConfigError("config file " + path + " has keys both inside apollo { } and outside it ("
                    + String.join(", ", topLevel) + "): write them all one way");
        }
        return parsed;
    }

    private static Config preset(String name) {
        if (!PRESETS.contains(name)) {
            throw new ConfigError("unknown preset '" + name + "': presets are " + String.join(", ", PRESETS));
        }
        return ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "presets/" + name + ".conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    private static Config resolve(Config root) {
        try {
            return root.resolve();
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage(), e);
        }
    }

    private static Config apolloSection(Config root) {
        ConfigValue apollo = root.root().get("apollo");
        if (apollo == null) {
            throw new ConfigError("the configuration has no apollo { } object");
        }
        if (apollo.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError("apollo = " + apollo.render(ConfigRenderOptions.concise()) + ": must be an object");
        }
        return ((ConfigObject) apollo).toConfig();
    }

    /**
     * {@code auto} is the byte vocabulary's size for the objective (GPT 256, BERT 260) with {@code data.tokenizer =
     * bytes}, and {@link ModelConfig#AUTO_VOCAB} with a tokenizer file, whose size the caller reads from the file.
     */
    private static int vocabSize(ConfigReader in) {
        if (!in.isString("model.vocab-size", "auto")) {
            return in.integer("model.vocab-size");
        }
        if (!DataConfig.BYTES.equals(in.string("data.tokenizer"))) {
            return ModelConfig.AUTO_VOCAB;
        }
        return in.enumValue("model.objective", Objective.class) == Objective.BERT
                ? ModelConfig.BYTE_VOCAB + ModelConfig.BERT_BYTE_SPECIALS : ModelConfig.BYTE_VOCAB;
    }

    private static ApolloConfig read(ConfigReader in) {
        return new ApolloConfig(
                new ModelConfig(
                        in.enumValue("model.objective", Objective.class),
                        in.integer("model.layers"),
                        in.integer("model.d-model"),
                        in.integer("model.heads"),
                        in.integer("model.seq-len"),
                        vocabSize(in),
                        in.integer("model.ffn-multiplier"),
                        in.number("model.layer-norm-eps"),
                        in.number("model.init-std")),
                new StageConfig(
                        in.integerList("stages.layers"),
                        in.numberList("stages.boundaries"),
                        in.enumValue("stages.boundary-unit", BoundaryUnit.class),
                        in.enumValue("stages.sharing", LayerMapKind.class),
                        in.enumValue("stages.expansion", LayerMapKind.class)),
                new SamplerConfig(
                        in.enumValue("sampler.kind", SamplerKind.class),
                        in.number("sampler.k")),
                new OptimizerConfig(
                        in.number("optimizer.lr"),
                        in.number("optimizer.beta1"),
                        in.number("optimizer.beta2"),
                        in.number("optimizer.eps"),
                        in.number("optimizer.weight-decay"),
                        in.number("optimizer.grad-clip"),
                        in.enumValue("optimizer.moments-at-expansion", MomentPolicy.class)),
                new ScheduleConfig(
                        in.number("schedule.warmup-fraction"),
                        in.enumValue("schedule.decay", DecayKind.class),
                        in.number("schedule.decay-fraction"),
                        in.number("schedule.min-lr-ratio"),
                        in.integer("schedule.rewarmup-steps")),
                new TrainConfig(
                        in.longInteger("train.steps"),
                        in.integer("train.batch-size"),
                        in.integer("train.micro-batch-size"),
                        in.longInteger("train.seed"),
                        in.integer("train.eval-every"),
                        in.integer("train.eval-batches"),
                        in.integer("train.checkpoint-every"),
                        in.integer("train.max-skipped-steps")),
                new DataConfig(
                        Optional.of(in.string("data.path")).filter(path -> !path.isEmpty()),
                        in.enumValue("data.format", DataFormat.class),
                        in.string("data.tokenizer"),
                        Optional.of(in.string("data.token-cache")).filter(path -> !path.isEmpty()),
                        in.number("data.validation-fraction"),
                        in.number("data.mask-probability")),
                new RuntimeConfig(
                        in.enumValue("runtime.device", DeviceKind.class),
                        in.integer("runtime.threads")),
                new ClusterConfig(
                        in.integer("cluster.min-workers"),
                        in.duration("cluster.step-timeout"),
                        in.duration("cluster.phase-timeout"),
                        in.duration("cluster.join-timeout")));
    }
}
