package dev.apollo.cli;

import com.typesafe.config.ConfigUtil;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.run.Corpus;
import dev.apollo.worker.data.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command uses to build its configuration: preset, file, and single-key overrides. */
public final class ConfigOptions {

    @Option(names = "--preset", paramLabel = "NAME", description = "Preset: tiny (default), gpt-base, bert-base, bert-large.")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "HOCON file layered over the preset (keys as in reference.conf).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set optimizer.lr=3e-4 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--steps", paramLabel = "N", description = "Same as --set train.steps=N.")
    Long steps;

    @Option(names = "--seed", paramLabel = "S", description = "Same as --set train.seed=S.")
    Long seed;

    @Option(names = "--data", paramLabel = "PATH", description = "Corpus: a text file, a directory of them, or JSONL with a text field. Default: the Brown corpus.")
    Path data;

    /** Whether the user asked for any configuration at all (a resumed run otherwise keeps its stored one). */
    public boolean given() {
        return preset != null || configFile != null || !overrides.isEmpty() || steps != null || seed != null
                || data != null;
    }

    /** Whether the options say something about the model (not only where the corpus is). */
    public boolean describesModel() {
        return preset != null || configFile != null || !overrides.isEmpty();
    }

    /** The corpus path given with --data, if any. */
    public Path data() {
        return data;
    }

    public ApolloConfig load() {
        return load(List.of());
    }

    /** The configuration with {@code extra} overrides applied last. */
    public ApolloConfig load(List<String> extra) {
        return load(List.of(), extra);
    }

    /**
     * The configuration with a command's {@code defaults} over the preset and file but under the user's options, and
     * its {@code extra} overrides over everything.
     */
    public ApolloConfig load(List<String> defaults, List<String> extra) {
        List<String> all = new ArrayList<>(defaults);
        all.addAll(allOverrides());
        all.addAll(extra);
        return Vocabulary.resolve(ConfigLoader.load(preset == null ? "tiny" : preset, configFile, all));
    }

    private List<String> allOverrides() {
        List<String> all = new ArrayList<>();
        if (steps != null) {
            all.add("train.steps=" + steps);
        }
        if (seed != null) {
            all.add("train.seed=" + seed);
        }
        if (data != null) {
            all.add("data.path=" + ConfigUtil.quoteString(data.toAbsolutePath().toString()));
        }
        all.addAll(overrides); // explicit --set wins over the shorthands
        return all;
    }
}
