package dev.apollo.coordinator.apollo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StageScheduleTest {

    private static final int[] PAPER_LAYERS = {1, 3, 6, 12};

    private static StageSchedule paper1200() {
        return StageSchedule.fromFractions(PAPER_LAYERS, new double[] {2 / 40.0, 4 / 40.0, 10 / 40.0}, 1200);
    }

    @Test
    void paperProportionsOf1200Steps() {
        StageSchedule schedule = paper1200();
        assertEquals(4, schedule.stageCount());
        assertArrayEquals(new long[] {0, 60, 120, 300},
                new long[] {schedule.startStep(0), schedule.startStep(1), schedule.startStep(2), schedule.startStep(3)});
        assertArrayEquals(new long[] {60, 120, 300, 1200},
                new long[] {schedule.endStep(0), schedule.endStep(1), schedule.endStep(2), schedule.endStep(3)});
        assertArrayEquals(new long[] {60, 120, 300}, schedule.expansionSteps());
        assertEquals(12, schedule.lastWeights());
        assertEquals(1200, schedule.totalSteps());
    }

    @Test
    void stageAndWeightsAtEachStep() {
        StageSchedule schedule = paper1200();
        assertEquals(0, schedule.stageAt(0));
        assertEquals(0, schedule.stageAt(59));
        assertEquals(1, schedule.stageAt(60));
        assertEquals(1, schedule.stageAt(119));
        assertEquals(2, schedule.stageAt(120));
        assertEquals(3, schedule.stageAt(300));
        assertEquals(3, schedule.stageAt(1199));
        assertEquals(1, schedule.weightsAt(0));
        assertEquals(3, schedule.weightsAt(60));
        assertEquals(6, schedule.weightsAt(299));
        assertEquals(12, schedule.weightsAt(1199));
        assertEquals(6, schedule.weights(2));
        assertThrows(IllegalArgumentException.class, () -> schedule.stageAt(-1));
        assertThrows(IllegalArgumentException.class, () -> schedule.stageAt(1200));
        assertThrows(IllegalArgumentException.class, () -> schedule.weights(4));
    }

    @Test
    void expansionStepsAreTheLaterStagesStarts() {
        StageSchedule schedule = paper1200();
        assertFalse(schedule.isExpansionStep(0));
        assertFalse(schedule.isExpansionStep(59));
        assertTrue(schedule.isExpansionStep(60));
        assertFalse(schedule.isExpansionStep(61));
        assertTrue(schedule.isExpansionStep(120));
        assertTrue(schedule.isExpansionStep(300));
        assertFalse(schedule.isExpansionStep(1200));
    }

    @Test
    void boundariesAsStepsAndTokens() {
        StageSchedule bySteps = StageSchedule.fromSteps(PAPER_LAYERS, new long[] {60, 120, 300}, 1200);
        assertArrayEquals(new long[] {60, 120, 300}, bySteps.expansionSteps());
        // 2048 tokens a step: 122,880 tokens is exactly step 60; one token more needs step 61 to have been seen
        StageSchedule byTokens =
                StageSchedule.fromTokens(PAPER_LAYERS, new long[] {122_880, 245_761, 614_400}, 2048, 1200);
        assertArrayEquals(new long[] {60, 121, 300}, byTokens.expansionSteps());
    }

    @Test
    void singleStageIsTheWholeRun() {
        StageSchedule scratch = StageSchedule.fromFractions(new int[] {12}, new double[0], 100);
        assertEquals(1, scratch.stageCount());
        assertEquals(12, scratch.weightsAt(99));
        assertEquals(100, scratch.endStep(0));
        assertArrayEquals(new long[0], scratch.expansionSteps());
    }

    @Test
    void rejectsBoundariesThatCollapse() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromFractions(PAPER_LAYERS, new double[] {0.05, 0.051, 0.25}, 100));
        assertTrue(e.getMessage().contains("stage 2") && e.getMessage().contains("collapse"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromTokens(PAPER_LAYERS, new long[] {100, 200, 300}, 2048, 1200));
    }

    @Test
    void rejectsBoundariesAtZeroOrPastTheEnd() {
        IllegalArgumentException atZero = assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromFractions(PAPER_LAYERS, new double[] {0.001, 0.1, 0.25}, 100));
        assertTrue(atZero.getMessage().contains("step 0"), atZero.getMessage());
        IllegalArgumentException atEnd = assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromSteps(PAPER_LAYERS, new long[] {60, 120, 1200}, 1200));
        assertTrue(atEnd.getMessage().contains("end of the run"), atEnd.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromFractions(PAPER_LAYERS, new double[] {0.05, 0.1, 1.0}, 1200));
        assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromFractions(PAPER_LAYERS, new double[] {0.05, Double.NaN, 0.5}, 1200));
    }

    @Test
    void rejectsMalformedStages() {
        assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromSteps(new int[] {1, 3, 3, 12}, new long[] {60, 120, 300}, 1200));
        assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromSteps(new int[] {0, 3}, new long[] {60}, 1200));
        assertThrows(IllegalArgumentException.class,
                () -> StageSchedule.fromSteps(PAPER_LAYERS, new long[] {60, 120}, 1200));
        assertThrows(IllegalArgumentException.class,
                () -> new StageSchedule(new int[] {1, 3}, new long[] {5, 60}, 1200));
        assertThrows(IllegalArgumentException.class,
                () -> new StageSchedule(new int[0], new long[0], 1200));
        assertThrows(IllegalArgumentException.class,
                () -> new StageSchedule(new int[] {12}, new long[] {0}, 0));
    }

    @Test
    void copiesItsInputs() {
        int[] layers = {1, 12};
        long[] starts = {0, 10};
        StageSchedule schedule = new StageSchedule(layers, starts, 100);
        layers[1] = 99;
        starts[1] = 50;
        schedule.expansionSteps()[0] = 77;
        assertEquals(12, schedule.weights(1));
        assertEquals(10, schedule.startStep(1));
    }
}
