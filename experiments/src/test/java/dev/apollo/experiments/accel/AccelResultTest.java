package dev.apollo.experiments.accel;

import dev.apollo.config.TrainingMethod;
import dev.apollo.protocol.StepRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reaching a target loss is interpolated between evaluations, in FLOPs and in training seconds. */
class AccelResultTest {

    private static AccelResult result(TrainingMethod method, double... lossesAtFlops) {
        List<AccelRecorder.Point> points = new java.util.ArrayList<>();
        for (int i = 0; i < lossesAtFlops.length; i++) {
            points.add(new AccelRecorder.Point(i + 1, 1, lossesAtFlops[i], 100.0 * (i + 1), 10.0 * (i + 1)));
        }
        StepRecord last = new StepRecord(lossesAtFlops.length, 0, 1, 1, 0, 0, 0, 0, 100.0 * lossesAtFlops.length, 0.0);
        return new AccelResult(method, List.of(last), points, 10.0 * lossesAtFlops.length, List.of());
    }

    @Test
    void savingsInterpolateBetweenEvaluationsAgainstScratchsFinalLoss() {
        AccelResult scratch = result(TrainingMethod.SCRATCH, 4.0, 3.0, 2.0, 1.5);
        AccelResult apollo = result(TrainingMethod.APOLLO, 3.5, 2.5, 1.0, 0.9);
        AccelResult never = result(TrainingMethod.STACKBERT, 3.9, 3.8, 3.7, 3.6);
        AccelReport report = new AccelReport(List.of(scratch, apollo, never), 3.0);

        // apollo crosses 1.5 halfway between 200 FLOPs (2.5) and 300 FLOPs (1.0): at 200 + 100 * (1.0 / 1.5)
        double flops = 200 + 100 * (2.5 - 1.5) / (2.5 - 1.0);
        assertEquals(flops, apollo.flopsToReach(1.5).getAsDouble(), 1e-9);
        assertEquals(1 - flops / 400, report.flopsSaving(apollo).getAsDouble(), 1e-9);
        assertEquals(1 - (flops / 10) / 40, report.wallSaving(apollo).getAsDouble(), 1e-9);
        assertTrue(report.flopsSaving(never).isEmpty());
        assertTrue(report.flopsSaving(scratch).isEmpty(), "scratch is the baseline, not a method with a saving");
        assertEquals(2.5, apollo.lossAtFlops(250).getAsDouble() + 0.75, 1e-9);
        // scratch had 3.0 after half its FLOPs (200); apollo reaches 3.0 halfway from 100 (3.5) to 200 (2.5)
        assertEquals(1 - 150.0 / 200, report.savingAt(apollo, 0.5).getAsDouble(), 1e-9);
        assertEquals(report.flopsSaving(apollo).getAsDouble(), report.savingAt(apollo, 1.0).getAsDouble(), 1e-12);
        assertTrue(report.savingAt(never, 0.5).isEmpty());
        assertFalse(report.scratchOnPlateau());
        assertEquals("none", report.text(report.flopsSaving(never)));
    }

    @Test
    void noSavingIsMeasuredAgainstAScratchRunThatNeverLeftTheUnigramPlateau() {
        AccelResult scratch = result(TrainingMethod.SCRATCH, 3.05, 3.0, 2.99, 2.98);
        AccelResult stackbert = result(TrainingMethod.STACKBERT, 3.05, 2.95, 2.9, 2.85);
        AccelReport flat = new AccelReport(List.of(scratch, stackbert), 3.04);
        assertTrue(flat.scratchOnPlateau(), "2.98 is within 5% of the unigram entropy 3.04");
        assertTrue(flat.flopsSaving(stackbert).isEmpty());
        assertEquals("n/a", flat.text(flat.wallSaving(stackbert)));

        AccelReport learned = new AccelReport(List.of(scratch, stackbert), 3.2);
        assertFalse(learned.scratchOnPlateau(), "2.98 is below 95% of 3.2");
        // crosses 2.98 between 100 FLOPs (3.05) and 200 FLOPs (2.95)
        assertEquals(1 - (100 + 100 * (3.05 - 2.98) / (3.05 - 2.95)) / 400,
                learned.flopsSaving(stackbert).getAsDouble(), 1e-9);
    }
}
