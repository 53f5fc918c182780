package dev.apollo.sim;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The small runs the tests simulate: the tiny model, stages 1, 3, 6, 12 from steps 6, 12, 24 of 60. */
final class Scenarios {

    static final int STEPS = 60;
    static final int BATCH = 16;
    static final Set<FaultKind> ALL = EnumSet.allOf(FaultKind.class);
    static final Set<FaultKind> NONE = EnumSet.noneOf(FaultKind.class);

    private Scenarios() {}

    static ApolloConfig config(long seed, String... overrides) {
        List<String> all = new ArrayList<>(List.of(
                "train.steps=" + STEPS,
                "train.batch-size=" + BATCH,
                "train.micro-batch-size=1",
                "train.seed=" + seed,
                "train.eval-every=10",
                "train.checkpoint-every=10",
                "stages.layers=[1,3,6,12]",
                "stages.boundary-unit=steps",
                "stages.boundaries=[6,12,24]",
                "sampler.kind=uniform"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load("tiny", null, all);
    }

    static Scenario of(long seed, int workers, Set<FaultKind> faults, String... overrides) {
        return Scenario.of(config(seed, overrides), workers, faults);
    }
}
