package dev.apollo.coordinator.apollo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.apollo.coordinator.apollo.LearningRateSchedule.Decay;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    private static final double EXACT = 1e-15;
    private static final long[] NO_EXPANSIONS = {};

    /** The PyTorch reference: lr 1e-3, 1200 steps, 5% warmup (60 steps), cosine to 0.1x. */
    private static LearningRateSchedule reference(Decay decay) {
        return LearningRateSchedule.fromFractions(1e-3, 1200, 0.05, decay, 0.2, 0.1, 0, NO_EXPANSIONS);
    }

    @Test
    void warmupRisesLinearlyToThePeak() {
        LearningRateSchedule lr = reference(Decay.COSINE);
        assertEquals(60, lr.warmupSteps());
        assertEquals(1e-3 / 60, lr.at(0), EXACT);
        assertEquals(1e-3 * 30 / 60, lr.at(29), EXACT);
        assertEquals(1e-3, lr.at(59), EXACT);
    }

    @Test
    void cosineDecaysToTheFloor() {
        LearningRateSchedule lr = reference(Decay.COSINE);
        assertEquals(1e-3, lr.at(60), EXACT); // progress 0
        // progress (345-60)/1140 = 1/4: 0.1 + 0.9 * 0.5 * (1 + cos(pi/4))
        assertEquals(1e-3 * (0.1 + 0.45 * (1 + Math.sqrt(0.5))), lr.at(345), EXACT);
        assertEquals(1e-3 * 0.55, lr.at(630), EXACT); // progress 1/2
        // the last step, progress 1139/1140, is just above the floor
        assertEquals(1e-3 * (0.1 + 0.45 * (1 + Math.cos(Math.PI * 1139 / 1140))), lr.at(1199), EXACT);
        assertEquals(1.00001708725e-4, lr.at(1199), 1e-14);
    }

    @Test
    void linearDecaysToTheFloor() {
        LearningRateSchedule lr = reference(Decay.LINEAR);
        assertEquals(1e-3, lr.at(60), EXACT);
        assertEquals(1e-3 * 0.55, lr.at(630), EXACT);
        assertEquals(1e-3 * (0.1 + 0.9 / 1140), lr.at(1199), EXACT);
    }

    @Test
    void constantHoldsThePeakAfterWarmup() {
        LearningRateSchedule lr = reference(Decay.CONSTANT);
        assertEquals(1e-3 / 60, lr.at(0), EXACT);
        assertEquals(1e-3, lr.at(60), EXACT);
        assertEquals(1e-3, lr.at(1199), EXACT);
    }

    @Test
    void wsdHoldsThePeakThenDecaysLinearlyOverTheLastFifth() {
        LearningRateSchedule lr = reference(Decay.WSD); // decay over the last 240 of 1200 steps, from step 960
        assertEquals(1e-3 / 60, lr.at(0), EXACT);
        assertEquals(1e-3, lr.at(60), EXACT);
        assertEquals(1e-3, lr.at(959), EXACT);
        assertEquals(1e-3, lr.at(960), EXACT); // decay progress 0
        assertEquals(1e-3 * (0.1 + 0.9 * 0.5), lr.at(1080), EXACT);
        assertEquals(1e-3 * (0.1 + 0.9 / 240), lr.at(1199), EXACT);
    }

    @Test
    void noWarmupStartsAtThePeak() {
        LearningRateSchedule lr = new LearningRateSchedule(1e-3, 100, 0, Decay.LINEAR, 1, 0.0, 0, NO_EXPANSIONS);
        assertEquals(1e-3, lr.at(0), EXACT);
        assertEquals(1e-3 * 0.5, lr.at(50), EXACT);
        assertEquals(1e-3 * 0.01, lr.at(99), EXACT);
    }

    @Test
    void rewarmupRampsAfterEachExpansion() {
        LearningRateSchedule plain = reference(Decay.COSINE);
        LearningRateSchedule lr = LearningRateSchedule.fromFractions(1e-3, 1200, 0.05, Decay.COSINE, 0.2, 0.1, 10,
                new long[] {60, 120, 300});
        assertEquals(plain.at(59), lr.at(59), EXACT); // before the first expansion
        assertEquals(plain.at(60) * 1 / 10, lr.at(60), EXACT);
        assertEquals(plain.at(65) * 6 / 10, lr.at(65), EXACT);
        assertEquals(plain.at(69), lr.at(69), EXACT); // (69-60+1)/10 = 1
        assertEquals(plain.at(70), lr.at(70), EXACT);
        assertEquals(plain.at(300) / 10, lr.at(300), EXACT);
        assertEquals(plain.at(1199), lr.at(1199), EXACT);
    }

    @Test
    void decayChosenByName() {
        assertEquals(Decay.COSINE, Decay.named("Cosine"));
        assertEquals(Decay.LINEAR, Decay.named("linear"));
        assertEquals(Decay.CONSTANT, Decay.named("CONSTANT"));
        assertEquals(Decay.WSD, Decay.named("wsd"));
        assertThrows(IllegalArgumentException.class, () -> Decay.named("step"));
    }

    @Test
    void rejectsBadSettingsAndStepsOutsideTheRun() {
        LearningRateSchedule lr = reference(Decay.COSINE);
        assertThrows(IllegalArgumentException.class, () -> lr.at(-1));
        assertThrows(IllegalArgumentException.class, () -> lr.at(1200));
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(0, 100, 0, Decay.COSINE, 1, 0.1, 0, NO_EXPANSIONS));
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(1e-3, 100, 101, Decay.COSINE, 1, 0.1, 0, NO_EXPANSIONS));
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(1e-3, 100, 5, Decay.COSINE, 1, 1.5, 0, NO_EXPANSIONS));
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(1e-3, 100, 5, Decay.COSINE, 1, 0.1, -1, NO_EXPANSIONS));
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(1e-3, 100, 5, Decay.COSINE, 1, 0.1, 5, new long[] {50, 20}));
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(1e-3, 100, 5, Decay.COSINE, 1, 0.1, 5, new long[] {0}));
        assertThrows(IllegalArgumentException.class, // the decay would start inside the warmup
                () -> new LearningRateSchedule(1e-3, 100, 5, Decay.WSD, 96, 0.1, 0, NO_EXPANSIONS));
    }
}
