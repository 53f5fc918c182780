package dev.apollo.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static ApolloConfig load(String... overrides) {
        return ConfigLoader.load("tiny", null, List.of(overrides));
    }

    private static ConfigError loadFails(String preset, Path file, String... overrides) {
        ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(preset, file, List.of(overrides)));
        assertTrue(error.getMessage().startsWith("config error: "), error.getMessage());
        assertFalse(error.getMessage().contains("\n"), error.getMessage());
        return error;
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    // ---- presets and defaults

    @Test
    void tinyPresetIsTheDocumentedDefaultsWithItsTunedRateAndSchedule() {
        ApolloConfig defaults = new ApolloConfig(
                new ModelConfig(Objective.GPT, 12, 128, 4, 128, 256, 4, 1e-5, 0.02),
                new StageConfig(List.of(1, 3, 6, 12), List.of(0.05, 0.1, 0.25), BoundaryUnit.FRACTION,
                        LayerMapKind.INTERPOLATION, LayerMapKind.INTERPOLATION),
                new SamplerConfig(SamplerKind.LVPS, 0),
                new OptimizerConfig(1e-3, 0.9, 0.95, 1e-8, 0.01, 1.0, MomentPolicy.COPY),
                new ScheduleConfig(0.05, DecayKind.COSINE, 0.2, 0.1, 0),
                new TrainConfig(1200, 16, 0, 1234, 25, 8, 200, 5),
                new DataConfig(Optional.empty(), DataFormat.AUTO, "bytes", Optional.empty(), 0.05, 0.15),
                new RuntimeConfig(DeviceKind.AUTO, 2),
                new ClusterConfig(1, Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(10)));
        assertEquals(defaults, ConfigLoader.parse(ReferenceConfig.config()));
        ApolloConfig tiny = load();
        assertEquals(new OptimizerConfig(3e-3, 0.9, 0.95, 1e-8, 0.01, 1.0, MomentPolicy.COPY), tiny.optimizer());
        assertEquals(new ScheduleConfig(0.05, DecayKind.WSD, 0.2, 0.1, 0), tiny.schedule());
        assertEquals(4, tiny.train().microBatchSize());
        assertEquals(defaults, new ApolloConfig(tiny.model(), tiny.stages(), tiny.sampler(), defaults.optimizer(),
                defaults.schedule(), defaults.train(), tiny.data(), tiny.runtime(), tiny.cluster()));
    }

    @Test
    void aTokenizerFileLeavesTheVocabularyToItUntilResolvedAndARenderedConfigKeepsIt() {
        ApolloConfig withFile = ConfigLoader.load("tiny", null, List.of("data.tokenizer=/runs/tokenizer.json"));
        assertEquals(ModelConfig.AUTO_VOCAB, withFile.model().vocabSize());
        assertEquals(withFile, ConfigLoader.parseStored(ConfigLoader.render(withFile)));
        ApolloConfig resolved = ConfigLoader.with(withFile, List.of("model.vocab-size=4096"));
        assertEquals(4096, resolved.model().vocabSize());
        assertEquals("/runs/tokenizer.json", resolved.data().tokenizer());
        assertEquals(260, ConfigLoader.load("tiny", null, List.of("model.objective=bert")).model().vocabSize());
    }

    @Test
    void presetsAreListed() {
        assertEquals(List.of("tiny", "gpt-base", "bert-base", "bert-large"), ConfigLoader.presets());
    }

    @Test
    void presetsSetTheirShapes() {
        ApolloConfig gpt = ConfigLoader.load("gpt-base", null, List.of());
        assertEquals(new ModelConfig(Objective.GPT, 12, 768, 12, 1024, 256, 4, 1e-5, 0.02), gpt.model());
        assertEquals(8, gpt.train().batchSize());

        ApolloConfig bertBase = ConfigLoader.load("bert-base", null, List.of());
        assertEquals(new ModelConfig(Objective.BERT, 12, 768, 12, 512, 260, 4, 1e-5, 0.02), bertBase.model());
        assertEquals(8, bertBase.train().batchSize());

        ApolloConfig bertLarge = ConfigLoader.load("bert-large", null, List.of());
        assertEquals(new ModelConfig(Objective.BERT, 24, 1024, 16, 512, 260, 4, 1e-5, 0.02), bertLarge.model());
        assertEquals(List.of(1, 6, 12, 24), bertLarge.stages().layers());
    }

    @ParameterizedTest
    @MethodSource("dev.apollo.config.ConfigLoader#presets")
    void presetRoundTripsThroughRender(String preset) {
        ApolloConfig config = ConfigLoader.load(preset, null, List.of());
        String rendered = ConfigLoader.render(config);
        assertEquals(config, ConfigLoader.parse(ConfigFactory.parseString(rendered)));
        assertEquals(keysUnderApollo(ReferenceConfig.config()), keysUnderApollo(ConfigFactory.parseString(rendered)));
    }

    private static Set<String> keysUnderApollo(Config root) {
        return root.getConfig("apollo").entrySet().stream().map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    @Test
    void renderKeepsEveryValueExactly() {
        ApolloConfig config = load(
                "optimizer.lr=3.0000000000000004E-4", "model.init-std=0.1", "model.layer-norm-eps=1e-12",
                "cluster.min-workers=3", "cluster.step-timeout=1.5 s", "cluster.join-timeout=0",
                "stages.boundary-unit=steps", "stages.boundaries=[100, 250, 600]", "train.seed=-9007199254740993",
                "data.path=\"/data/my corpus//v2.jsonl\"", "sampler.kind=lvps-ref", "sampler.k=0.5");
        assertEquals(3.0000000000000004E-4, config.optimizer().lr());
        assertEquals(Optional.of("/data/my corpus//v2.jsonl"), config.data().path());
        assertEquals(-9007199254740993L, config.train().seed());
        assertEquals(new ClusterConfig(3, Duration.ofMillis(1500), Duration.ofMinutes(30), Duration.ZERO),
                config.cluster());
        assertEquals(config, ConfigLoader.parse(ConfigFactory.parseString(ConfigLoader.render(config))));
    }

    @Test
    void renderedConfigLoadsAsAConfigFile() throws IOException {
        ApolloConfig config = ConfigLoader.load("bert-large", null, List.of("optimizer.lr=2e-4"));
        Path stored = write("run.conf", ConfigLoader.render(config));
        assertEquals(config, ConfigLoader.load("tiny", stored, List.of()));
    }

    // ---- layering

    @Test
    void overridesWinOverFileWhichWinsOverPreset() throws IOException {
        Path file = write("run.conf", """
                apollo {
                  optimizer.lr = 5e-4
                  train { steps = 500, batch-size = 4 }
                }
                """);
        ApolloConfig config = ConfigLoader.load("gpt-base", file, List.of("optimizer.lr=3e-4"));
        assertEquals(3e-4, config.optimizer().lr()); // override over file
        assertEquals(500, config.train().steps()); // file over reference
        assertEquals(4, config.train().batchSize()); // file over preset (8)
        assertEquals(768, config.model().dModel()); // preset over reference
        assertEquals(0.9, config.optimizer().beta1()); // reference
    }

    @Test
    void fileKeysMayOmitTheApolloRoot() throws IOException {
        Path file = write("run.conf", "optimizer { lr = 5e-4 }\nsampler.kind = uniform\n");
        ApolloConfig config = ConfigLoader.load("tiny", file, List.of());
        assertEquals(5e-4, config.optimizer().lr());
        assertEquals(SamplerKind.UNIFORM, config.sampler().kind());
    }

    @Test
    void fileMixingRootedAndUnrootedKeysFails() throws IOException {
        Path file = write("run.conf", "apollo.optimizer.lr = 5e-4\ntrain.steps = 10\n");
        String message = loadFails("tiny", file).getMessage();
        assertTrue(message.contains(file.toString()) && message.contains("train"), message);
    }

    @Test
    void listOverrideReplacesTheList() {
        ApolloConfig config = load("model.layers=4", "stages.layers=[1,2,4]", "stages.boundaries=[0.2, 0.5]");
        assertEquals(List.of(1, 2, 4), config.stages().layers());
        assertEquals(List.of(0.2, 0.5), config.stages().boundaries());
    }

    @Test
    void laterOverrideWins() {
        assertEquals(2e-4, load("optimizer.lr=1e-4", "optimizer.lr = 2e-4").optimizer().lr());
    }

    @Test
    void objectOverrideMergesWithLowerLayers() {
        ApolloConfig config = load("optimizer={ lr = 2e-4 }");
        assertEquals(2e-4, config.optimizer().lr());
        assertEquals(0.95, config.optimizer().beta2());
    }

    @Test
    void documentedSpecialValuesAreAccepted() {
        ApolloConfig config = load("optimizer.grad-clip=0", "train.checkpoint-every=0", "sampler.kind=edge",
                "sampler.k=10", "schedule.warmup-fraction=0", "schedule.min-lr-ratio=1", "data.format=jsonl",
                "data.path=corpus.jsonl", "stages.layers=[12]", "stages.boundaries=[]");
        assertEquals(0.0, config.optimizer().gradClip());
        assertEquals(0, config.train().checkpointEvery());
        assertEquals(new SamplerConfig(SamplerKind.EDGE, 10), config.sampler());
        assertEquals(Optional.of("corpus.jsonl"), config.data().path());
        assertEquals(List.of(12), config.stages().layers());
    }

    @Test
    void aRunMayEndWithFewerWeightsThanItsDepthShared() {
        ApolloConfig config = load("stages.layers=[1,3,6]", "stages.boundaries=[0.1,0.2]");
        assertEquals(List.of(1, 3, 6), config.stages().layers());
        assertEquals(12, config.model().layers());
    }

    @Test
    void tokenBoundariesAreWholeTokenCountsWithinTheRun() {
        // 1200 steps x 16 sequences x 128 tokens = 2,457,600 tokens in the run
        ApolloConfig config = load("stages.boundary-unit=tokens", "stages.boundaries=[2048, 100000, 2457599]");
        assertEquals(List.of(2048.0, 100000.0, 2457599.0), config.stages().boundaries());
        String message = loadFails("tiny", null, "stages.boundary-unit=tokens",
                "stages.boundaries=[2048, 100000, 2457600]").getMessage();
        assertTrue(message.contains("apollo.stages.boundaries = [2048,100000,2457600]: "), message);
    }

    // ---- invalid values: the message names the key and the value as written

    static Stream<Arguments> invalidOverrides() {
        return Stream.of(
                invalid("apollo.model.layers = 0: must be >= 1", "model.layers=0", "stages.layers=[1]",
                        "stages.boundaries=[]"),
                invalid("apollo.model.layers = 12.5: must be a whole number", "model.layers=12.5"),
                invalid("apollo.model.layers = \"twelve\": must be a whole number", "model.layers=twelve"),
                invalid("apollo.model.d-model = 0: must be >= 1", "model.d-model=0"),
                invalid("apollo.model.heads = 0: must be >= 1", "model.heads=0"),
                invalid("apollo.model.heads = 5: must divide apollo.model.d-model (128)", "model.heads=5"),
                invalid("apollo.model.seq-len = 1: must be >= 2", "model.seq-len=1"),
                invalid("apollo.model.vocab-size = 255: must be auto or >= 256", "model.vocab-size=255"),
                invalid("apollo.model.vocab-size = 256: must be auto or >= 260", "model.objective=bert",
                        "model.vocab-size=256"),
                invalid("apollo.model.vocab-size = \"many\": must be a whole number", "model.vocab-size=many"),
                invalid("apollo.model.vocab-size = -1: must be auto or a whole number",
                        "data.tokenizer=/tmp/tokenizer.json", "model.vocab-size=-1"),
                invalid("apollo.data.tokenizer = \"\": must be bytes or the path", "data.tokenizer=\"\""),
                invalid("apollo.model.ffn-multiplier = 0: must be >= 1", "model.ffn-multiplier=0"),
                invalid("apollo.model.layer-norm-eps = 0: must be > 0", "model.layer-norm-eps=0"),
                invalid("apollo.model.init-std = -0.02: must be > 0", "model.init-std=-0.02"),
                invalid("apollo.model.objective = \"t5\": must be one of gpt, bert", "model.objective=t5"),
                invalid("apollo.stages.layers = []: must list at least one stage", "stages.layers=[]"),
                invalid("apollo.stages.layers = [0,3,6,12]: every count must be >= 1", "stages.layers=[0,3,6,12]"),
                invalid("apollo.stages.layers = [1,6,3,12]: counts must be strictly increasing",
                        "stages.layers=[1,6,3,12]"),
                invalid("apollo.stages.layers = [1,3,3,12]: counts must be strictly increasing",
                        "stages.layers=[1,3,3,12]"),
                invalid("apollo.stages.layers = [1,3,6,24]: no count may exceed apollo.model.layers (12)",
                        "stages.layers=[1,3,6,24]"),
                invalid("apollo.stages.layers = [1,2.5,12]: must be a list of whole numbers",
                        "stages.layers=[1,2.5,12]"),
                invalid("apollo.stages.boundaries = [0.1,0.2]: needs 3 entries", "stages.boundaries=[0.1,0.2]"),
                invalid("apollo.stages.boundaries = [0.1,0.1,0.2]: entries must be strictly increasing",
                        "stages.boundaries=[0.1,0.1,0.2]"),
                invalid("apollo.stages.boundaries = [-0.1,0.1,0.2]: every entry must be > 0",
                        "stages.boundaries=[-0.1,0.1,0.2]"),
                invalid("apollo.stages.boundaries = [0.1,0.5,1]: fractions must be in (0, 1)",
                        "stages.boundaries=[0.1,0.5,1]"),
                invalid("apollo.stages.boundaries = [10,20.5,30]: steps must be whole numbers",
                        "stages.boundary-unit=steps", "stages.boundaries=[10,20.5,30]"),
                invalid("apollo.stages.boundaries = [10,20,1200]: steps must be < apollo.train.steps (1200)",
                        "stages.boundary-unit=steps", "stages.boundaries=[10,20,1200]"),
                invalid("apollo.stages.boundaries = [10,20.5,30]: tokens must be whole numbers",
                        "stages.boundary-unit=tokens", "stages.boundaries=[10,20.5,30]"),
                invalid("apollo.stages.boundary-unit = \"epochs\": must be one of steps, tokens, fraction",
                        "stages.boundary-unit=epochs"),
                invalid("apollo.stages.sharing = \"copy\": must be one of interpolation, stacking",
                        "stages.sharing=copy"),
                invalid("apollo.stages.expansion = \"random\": must be one of interpolation, stacking",
                        "stages.expansion=random"),
                invalid("apollo.sampler.k = -1: must be >= 0", "sampler.k=-1"),
                invalid("apollo.sampler.k = 0: must be > 0 with kind edge", "sampler.kind=edge"),
                invalid("apollo.sampler.kind = \"lvpz\": must be one of lvps, lvps-ref, uniform, edge, full, none",
                        "sampler.kind=lvpz"),
                invalid("apollo.optimizer.lr = 0: must be > 0", "optimizer.lr=0"),
                invalid("apollo.optimizer.lr = \"NaN\": must be a finite number", "optimizer.lr=NaN"),
                invalid("apollo.optimizer.beta1 = 1: must be in [0, 1)", "optimizer.beta1=1"),
                invalid("apollo.optimizer.beta1 = -0.1: must be in [0, 1)", "optimizer.beta1=-0.1"),
                invalid("apollo.optimizer.beta2 = 1.5: must be in [0, 1)", "optimizer.beta2=1.5"),
                invalid("apollo.optimizer.eps = 0: must be > 0", "optimizer.eps=0"),
                invalid("apollo.optimizer.weight-decay = -0.01: must be >= 0", "optimizer.weight-decay=-0.01"),
                invalid("apollo.optimizer.grad-clip = -1: must be >= 0", "optimizer.grad-clip=-1"),
                invalid("apollo.optimizer.moments-at-expansion = \"keep\": must be one of copy, reset, inplace",
                        "optimizer.moments-at-expansion=keep"),
                invalid("apollo.schedule.warmup-fraction = 1: must be in [0, 1)", "schedule.warmup-fraction=1"),
                invalid("apollo.schedule.decay = \"step\": must be one of cosine, linear, constant, wsd",
                        "schedule.decay=step"),
                invalid("apollo.schedule.decay-fraction = 0: must be in (0, 1]", "schedule.decay-fraction=0"),
                invalid("apollo.schedule.decay-fraction = 0.98: with decay = wsd, warmup-fraction + decay-fraction "
                        + "must be <= 1", "schedule.decay=wsd", "schedule.decay-fraction=0.98"),
                invalid("apollo.schedule.min-lr-ratio = 1.5: must be in [0, 1]", "schedule.min-lr-ratio=1.5"),
                invalid("apollo.schedule.rewarmup-steps = -1: must be >= 0", "schedule.rewarmup-steps=-1"),
                invalid("apollo.train.steps = 0: must be >= 1", "train.steps=0"),
                invalid("apollo.train.batch-size = 0: must be >= 1", "train.batch-size=0"),
                invalid("apollo.train.eval-every = 0: must be >= 1", "train.eval-every=0"),
                invalid("apollo.train.eval-batches = 0: must be >= 1", "train.eval-batches=0"),
                invalid("apollo.train.checkpoint-every = -1: must be >= 0", "train.checkpoint-every=-1"),
                invalid("apollo.train.max-skipped-steps = 0: must be >= 1", "train.max-skipped-steps=0"),
                invalid("apollo.data.validation-fraction = 0: must be in (0, 0.5]", "data.validation-fraction=0"),
                invalid("apollo.data.validation-fraction = 0.6: must be in (0, 0.5]", "data.validation-fraction=0.6"),
                invalid("apollo.data.mask-probability = 1: must be in (0, 1)", "data.mask-probability=1"),
                invalid("apollo.data.format = \"csv\": must be one of auto, text, jsonl", "data.format=csv"),
                invalid("apollo.data.path = [1]: must be a string", "data.path=[1]"),
                invalid("apollo.runtime.threads = 0: must be >= 1", "runtime.threads=0"),
                invalid("apollo.runtime.device = \"tpu\": must be one of auto, cpu, gpu", "runtime.device=tpu"),
                invalid("apollo.runtime.threads = null: must be a whole number", "runtime.threads=null"),
                invalid("apollo.optimizer.lrr = 0.001: unknown key; known keys of apollo.optimizer are beta1, beta2,",
                        "optimizer.lrr=0.001"),
                invalid("apollo.cluster.min-workers = 0: must be in [1, the micro-batches of a step (4)]",
                        "cluster.min-workers=0"),
                invalid("apollo.cluster.min-workers = 5: must be in [1, the micro-batches of a step (4)]",
                        "cluster.min-workers=5"),
                invalid("apollo.train.micro-batch-size = 5: must be 0 or divide apollo.train.batch-size (16)",
                        "train.micro-batch-size=5"),
                invalid("apollo.train.micro-batch-size = 32: must be 0 or divide apollo.train.batch-size (16)",
                        "train.micro-batch-size=32"),
                invalid("apollo.cluster.min-workers = 2.5: must be a whole number", "cluster.min-workers=2.5"),
                invalid("apollo.cluster.step-timeout = 0: must be a duration > 0", "cluster.step-timeout=0"),
                invalid("apollo.cluster.phase-timeout = \"soon\": must be a duration such as 90 s",
                        "cluster.phase-timeout=soon"),
                invalid("apollo.cluster.join-timeout = \"-1 s\": must be a duration >= 0", "cluster.join-timeout=-1 s"),
                invalid("apollo.optimiser.lr = 0.001: unknown key; known sections are cluster, data, model,",
                        "optimiser.lr=0.001"),
                invalid("apollo.optimizer = 5: must be an object with keys beta1, beta2,", "optimizer=5"),
                invalid("apollo.model.layers.count = 3: unknown key", "model.layers.count=3"));
    }

    private static Arguments invalid(String expectedMessagePart, String... overrides) {
        return Arguments.of(expectedMessagePart, List.of(overrides));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidOverrides")
    void invalidValueIsReportedWithKeyAndValue(String expectedMessagePart, List<String> overrides) {
        String message = loadFails("tiny", null, overrides.toArray(String[]::new)).getMessage();
        assertTrue(message.startsWith("config error: " + expectedMessagePart), message);
    }

    @Test
    void invalidValueInAFileIsReportedLikeAnOverride() throws IOException {
        Path file = write("run.conf", "apollo { model { heads = 7 } }\n");
        assertEquals("config error: apollo.model.heads = 7: must divide apollo.model.d-model (128)",
                loadFails("tiny", file).getMessage());
    }

    // ---- sources that cannot be read

    @Test
    void unknownPresetListsThePresets() {
        assertEquals("config error: unknown preset 'bert-huge': presets are tiny, gpt-base, bert-base, bert-large",
                loadFails("bert-huge", null).getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.conf");
        String message = loadFails("tiny", missing).getMessage();
        assertTrue(message.contains(missing.toString()), message);
    }

    @Test
    void malformedFileIsNamedWithItsLine() throws IOException {
        Path file = write("broken.conf", "apollo {\n  model {\n    layers = 12\n  }\n  optimizer { lr = [1e-3 }\n}\n");
        String message = loadFails("tiny", file).getMessage();
        assertTrue(message.contains(file.toString() + ": 5"), message);
    }

    @Test
    void unresolvableSubstitutionIsReported() throws IOException {
        Path file = write("subst.conf", "optimizer.lr = ${nowhere.lr}\n");
        String message = loadFails("tiny", file).getMessage();
        assertTrue(message.contains("nowhere.lr"), message);
    }

    @Test
    void substitutionAcrossLayersResolves() {
        assertEquals(12, load("model.heads=${apollo.model.layers}", "model.d-model=144").model().heads());
    }

    @Test
    void overrideWithoutEqualsFails() {
        String message = loadFails("tiny", null, "optimizer.lr").getMessage();
        assertTrue(message.contains("override 'optimizer.lr' has no '='"), message);
    }

    @Test
    void overrideWithoutValueFails() {
        String message = loadFails("tiny", null, "data.path=").getMessage();
        assertTrue(message.contains("override 'data.path=' has no value"), message);
    }

    @Test
    void overrideWithBadKeyFails() {
        String message = loadFails("tiny", null, "optimizer..lr=1").getMessage();
        assertTrue(message.contains("override 'optimizer..lr=1'"), message);
    }

    @Test
    void overrideWithMalformedValueFails() {
        String message = loadFails("tiny", null, "stages.layers=[1,2").getMessage();
        assertTrue(message.contains("override 'stages.layers=[1,2'"), message);
    }

    @Test
    void parseRequiresEveryKey() {
        ConfigError error = assertThrows(ConfigError.class,
                () -> ConfigLoader.parse(ConfigFactory.parseString("apollo { model { layers = 12 } }")));
        assertTrue(error.getMessage().contains("apollo.model.objective is missing"), error.getMessage());
    }

    @Test
    void parseRequiresAnApolloObject() {
        assertAll(
                () -> assertEquals("config error: the configuration has no apollo { } object",
                        assertThrows(ConfigError.class,
                                () -> ConfigLoader.parse(ConfigFactory.parseString("model.layers = 12")))
                                .getMessage()),
                () -> assertEquals("config error: apollo = 3: must be an object",
                        assertThrows(ConfigError.class,
                                () -> ConfigLoader.parse(ConfigFactory.parseString("apollo = 3"))).getMessage()));
    }

    @Test
    void aStoredConfigurationMissingNewerKeysTakesTheirDefaults() {
        ApolloConfig stored = ConfigLoader.parseStored("apollo { model { layers = 12 }, train { steps = 77 } }");
        ApolloConfig expected = ConfigLoader.load("tiny", null,
                List.of("train.steps=77", "optimizer.lr=1e-3", "schedule.decay=cosine",
                        "train.micro-batch-size=0")); // the reference's defaults: a run from before micro-batches
        assertEquals(expected, stored);
        ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.parseStored("apollo { sampler.k = -1 }"));
        assertTrue(error.getMessage().contains("apollo.sampler.k = -1"), error.getMessage());
    }
}
