package dev.apollo.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The training methods the benchmarks and the planner compare, each the configured run plus a few overrides: the
 * model, data, optimizer, learning-rate schedule, seed and token budget are the same for all.
 */
public enum TrainingMethod {
    SCRATCH("scratch", "all L layers from step 0, always at full depth",
            List.of("stages.layers=[%L]", "stages.boundaries=[]", "sampler.kind=full")),
    STACKBERT("stackbert", "progressive stacking: the stages at their own depth, grown by stacking",
            List.of("sampler.kind=none", "stages.sharing=stacking", "stages.expansion=stacking")),
    APOLLO("apollo", "LVPS k=0, interpolation sharing and expansion",
            List.of("sampler.kind=lvps", "sampler.k=0", "stages.sharing=interpolation", "stages.expansion=interpolation")),
    APOLLO_S("apollo-s", "Apollo with stacking sharing and expansion",
            List.of("sampler.kind=lvps", "sampler.k=0", "stages.sharing=stacking", "stages.expansion=stacking")),
    APOLLO_NO_SAMPLING("apollo-nosample", "Apollo without sampling (depth N(s)), interpolation expansion",
            List.of("sampler.kind=none", "stages.sharing=interpolation", "stages.expansion=interpolation")),
    US("us", "uniform depth sampling", List.of("sampler.kind=uniform", "stages.sharing=interpolation",
            "stages.expansion=interpolation")),
    ES("es", "edge sampling, k=10", List.of("sampler.kind=edge", "sampler.k=10", "stages.sharing=interpolation",
            "stages.expansion=interpolation")),
    FS("fs", "full sampling (always depth L)", List.of("sampler.kind=full", "stages.sharing=interpolation",
            "stages.expansion=interpolation"));

    private final String id;
    private final String description;
    private final List<String> overrides;

    TrainingMethod(String id, String description, List<String> overrides) {
        this.id = id;
        this.description = description;
        this.overrides = overrides;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** Whether its steps run at sampled depths (up to L) rather than always at the stage's N(s). */
    public boolean samplesDepth() {
        return !overrides.contains("sampler.kind=none");
    }

    /** The method's {@code key=value} overrides (relative to {@code apollo.}) for a model of {@code layers} layers. */
    public List<String> overrides(int layers) {
        return overrides.stream().map(o -> o.replace("%L", Integer.toString(layers))).toList();
    }

    /** The method called {@code id}; throws with the list of methods if there is none. */
    public static TrainingMethod named(String id) {
        return Arrays.stream(values()).filter(m -> m.id.equals(id.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown method '" + id + "': methods are "
                        + Arrays.stream(values()).map(TrainingMethod::id).collect(Collectors.joining(", "))));
    }
}
