package dev.apollo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.protocol.StepRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reaching a target loss is interpolated between evaluations, in FLOPs and in training seconds. */
class AccelResultTest {

    private static AccelResult result(AccelMethod method, double... lossesAtFlops) {
        List<AccelRecorder.Point> points = new java.util.ArrayList<>();
        for (int i = 0; i < lossesAtFlops.length; i++) {
            points.add(new AccelRecorder.Point(i + 1, 1, lossesAtFlops[i], 100.0 * (i + 1), 10.0 * (i + 1)));
        }
        StepRecord last = new StepRecord(lossesAtFlops.length, 0, 1, 1, 0, 0, 0, 0, 100.0 * lossesAtFlops.length);
        return new AccelResult(method, List.of(last), points, 10.0 * lossesAtFlops.length, List.of());
    }

    @Test
    void savingsInterpolateBetweenEvaluationsAgainstScratchsFinalLoss() {
        AccelResult scratch = result(AccelMethod.SCRATCH, 4.0, 3.0, 2.0, 1.5);
        AccelResult apollo = result(AccelMethod.APOLLO, 3.5, 2.5, 1.0, 0.9);
        AccelResult never = result(AccelMethod.STACKBERT, 3.9, 3.8, 3.7, 3.6);
        AccelReport report = new AccelReport(List.of(scratch, apollo, never));

        // apollo crosses 1.5 halfway between 200 FLOPs (2.5) and 300 FLOPs (1.0): at 200 + 100 * (1.0 / 1.5)
        double flops = 200 + 100 * (2.5 - 1.5) / (2.5 - 1.0);
        assertEquals(flops, apollo.flopsToReach(1.5).getAsDouble(), 1e-9);
        assertEquals(1 - flops / 400, report.flopsSaving(apollo).getAsDouble(), 1e-9);
        assertEquals(1 - (flops / 10) / 40, report.wallSaving(apollo).getAsDouble(), 1e-9);
        assertTrue(report.flopsSaving(never).isEmpty());
        assertTrue(report.flopsSaving(scratch).isEmpty(), "scratch is the baseline, not a method with a saving");
        assertEquals(2.5, apollo.lossAtFlops(250).getAsDouble() + 0.75, 1e-9);
    }
}
