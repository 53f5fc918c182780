package dev.apollo.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Step times: nearest-rank quantiles that a constant per-step cost shifts and a burst of slow steps does not. */
class StepTimesTest {

    @Test
    void quantilesAreNearestRank() {
        StepTimes times = new StepTimes();
        for (long ms = 10; ms >= 1; ms--) { // added out of order: the quantile sorts
            times.add(ms * 1_000_000);
        }
        assertEquals(0.001, times.quantileSeconds(0), 1e-12);
        assertEquals(0.001, times.quantileSeconds(0.10), 1e-12);
        assertEquals(0.002, times.quantileSeconds(0.11), 1e-12);
        assertEquals(0.005, times.quantileSeconds(0.5), 1e-12);
        assertEquals(0.010, times.quantileSeconds(1), 1e-12);
        assertEquals(0.0055, times.meanSeconds(), 1e-12);
    }

    @Test
    void aConstantCostShiftsTheQuantileAndABurstDoesNot() {
        StepTimes plain = new StepTimes();
        StepTimes slower = new StepTimes();
        StepTimes burst = new StepTimes();
        for (int i = 0; i < 200; i++) {
            long step = 20_000_000 + (i % 7) * 100_000;
            plain.add(step);
            slower.add(step + 500_000);
            burst.add(i / 50 % 2 == 1 ? step * 6 / 5 : step); // spells of steps slowed by a fifth, as on a busy host
        }
        double q = StepTimes.UNDISTURBED_QUANTILE;
        assertEquals(0.0005, slower.quantileSeconds(q) - plain.quantileSeconds(q), 1e-12);
        assertEquals(1.0, burst.quantileSeconds(q) / plain.quantileSeconds(q), 0.01);
        assertEquals(1.10, burst.meanSeconds() / plain.meanSeconds(), 0.001);
    }

    @Test
    void rejectsNonPositiveDurationsAndEmptyQueries() {
        StepTimes times = new StepTimes();
        assertThrows(IllegalStateException.class, () -> times.quantileSeconds(0.5));
        assertThrows(IllegalArgumentException.class, () -> times.add(0));
        times.add(1);
        assertThrows(IllegalArgumentException.class, () -> times.quantileSeconds(1.5));
    }
}
