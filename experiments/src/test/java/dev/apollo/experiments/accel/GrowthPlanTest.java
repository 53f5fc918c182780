package dev.apollo.experiments.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.run.UsageError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Growth plans: the configuration's own, or written weights@fractions; scaled to a run or cut from a trunk. */
class GrowthPlanTest {

    private static final ApolloConfig TINY = ConfigLoader.load("tiny", null, List.of());

    @Test
    void paperIsTheConfigurationsPlan() {
        GrowthPlan paper = GrowthPlan.parse("paper", TINY);
        assertEquals(List.of(1, 3, 6, 12), paper.layers());
        assertEquals(List.of(0.05, 0.1, 0.25), paper.fractions());
        assertEquals("1-3-6-12", paper.weights());
        assertEquals(List.of(60L, 120L, 300L), paper.boundarySteps(1200));
    }

    @Test
    void aWrittenPlanParsesAndScalesToEachRun() {
        GrowthPlan late = GrowthPlan.parse("6-12@0.5", TINY);
        assertEquals(List.of(6, 12), late.layers());
        assertEquals(List.of("stages.layers=[6, 12]", "stages.boundaries=[0.5]", "stages.boundary-unit=fraction"),
                late.scaledOverrides());
        assertEquals(List.of(1, 3, 12), GrowthPlan.parse("1-3-12@0.05/0.4", TINY).layers());
    }

    @Test
    void aRunCutFromATrunkKeepsTheStagesThatBeganBeforeItsEnd() {
        GrowthPlan paper = GrowthPlan.parse("paper", TINY);
        List<Long> trunk = paper.boundarySteps(800); // 40, 80, 200
        assertEquals(List.of("stages.layers=[1, 3]", "stages.boundaries=[40]", "stages.boundary-unit=steps"),
                paper.truncatedOverrides(trunk, 80), "the growth at step 80 is the run's end: not in it");
        assertEquals(List.of("stages.layers=[1, 3, 6, 12]", "stages.boundaries=[40, 80, 200]",
                "stages.boundary-unit=steps"), paper.truncatedOverrides(trunk, 400));
        GrowthPlan late = GrowthPlan.parse("6-12@0.5", TINY);
        assertEquals(List.of("stages.layers=[6]", "stages.boundaries=[]", "stages.boundary-unit=steps"),
                late.truncatedOverrides(late.boundarySteps(800), 200));
    }

    @Test
    void badPlansAreUsageErrorsNamingWhatIsWrong() {
        assertMessage("--plans 6-24@0.5: the last stage must hold all 12 layers (model.layers)", "6-24@0.5");
        assertMessage("--plans 3-6-12@0.5: needs 2 fractions, one per growth", "3-6-12@0.5");
        assertMessage("--plans 6-3-12@0.2/0.5: weights must be >= 1 and strictly increasing", "6-3-12@0.2/0.5");
        assertMessage("--plans 3-6-12@0.5/0.2: fractions must be in (0, 1) and strictly increasing", "3-6-12@0.5/0.2");
        assertMessage("--plans 6-12@1: fractions must be in (0, 1) and strictly increasing", "6-12@1");
        assertMessage("--plans 12@: a plan grows at least once", "12@");
        assertTrue(assertThrows(UsageError.class, () -> GrowthPlan.parse("late", TINY)).getMessage()
                .startsWith("--plans late: expected 'paper' or weights@fractions"));
        assertTrue(assertThrows(UsageError.class, () -> GrowthPlan.parse("6-x@0.5", TINY)).getMessage()
                .startsWith("--plans 6-x@0.5: weights must be whole numbers"));
        ApolloConfig bySteps = ConfigLoader.load("tiny", null, List.of("stages.boundary-unit=steps",
                "stages.boundaries=[10, 20, 30]"));
        assertTrue(assertThrows(UsageError.class, () -> GrowthPlan.parse("paper", bySteps)).getMessage()
                .startsWith("--plans paper needs stages.boundary-unit = fraction"));
    }

    private static void assertMessage(String expected, String spec) {
        assertEquals(expected, assertThrows(UsageError.class, () -> GrowthPlan.parse(spec, TINY)).getMessage());
    }
}
