package dev.apollo.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.apollo.FlopsModel;
import dev.apollo.coordinator.apollo.UniformSampler;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class RunPlanTest {

    private static RunPlan plan(String... overrides) {
        return RunPlan.from(ConfigLoader.load("tiny", null, List.of(overrides)));
    }

    @Test
    void resolvesTheConfiguration() {
        RunPlan plan = plan("train.steps=40", "sampler.kind=uniform", "stages.expansion=stacking");

        assertEquals(40, plan.totalSteps());
        assertEquals(List.of(2L, 4L, 10L), Arrays.stream(plan.stages().expansionSteps()).boxed().toList());
        assertEquals(new UniformSampler(12), plan.sampler());
        assertEquals(new FlopsModel(128, 128, 16, 256, 4), plan.flops());
        assertEquals(List.of(0, 0, 1, 1, 2, 2), plan.sharingMap(3, 6));
        assertEquals(List.of(0, 1, 2, 0, 1, 2), plan.expansionMap(3, 6));
        assertEquals(plan.sampler().draw(3, plan.seed(), 17), plan.depthAt(17, 3));
    }

    @Test
    void samplerKindResolvesWhateverTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr")); // where "UNIFORM".toLowerCase() is "unıform"
            assertEquals(new UniformSampler(12), plan("sampler.kind=uniform").sampler());
        } finally {
            Locale.setDefault(saved);
        }
    }
}
