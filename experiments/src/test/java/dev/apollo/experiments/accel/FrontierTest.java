package dev.apollo.experiments.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Savings are horizontal gaps between frontiers in log-cost; seeds give their spread, crossings their order. */
class FrontierTest {

    /** Scratch: budgets 100, 200, 400 at FLOPs 1, 2, 4 (x 1e12) reach losses 3.0, 2.5, 2.0, the same for every seed. */
    private static List<SweepPoint> scratch(int seeds) {
        List<SweepPoint> points = new ArrayList<>();
        for (int seed = 0; seed < seeds; seed++) {
            points.add(new SweepPoint("scratch", 100, seed, 3.0, 1e12, 10));
            points.add(new SweepPoint("scratch", 200, seed, 2.5, 2e12, 20));
            points.add(new SweepPoint("scratch", 400, seed, 2.0, 4e12, 40));
        }
        return points;
    }

    @Test
    void theSavingIsTheGapInLogFlopsAtScratchsLosses() {
        List<SweepPoint> points = new ArrayList<>(scratch(1));
        // half scratch's FLOPs (and seconds) for the same losses: a saving of 50% at each level it reaches
        points.add(new SweepPoint("apollo", 100, 0, 3.0, 0.5e12, 5));
        points.add(new SweepPoint("apollo", 200, 0, 2.5, 1e12, 10));
        points.add(new SweepPoint("apollo", 400, 0, 2.1, 2e12, 20));
        Frontier frontier = new Frontier(points, "scratch");

        assertEquals(List.of(3.0, 2.5, 2.0), frontier.levels());
        Frontier.Saving at30 = frontier.saving("apollo", 3.0, Frontier.Axis.FLOPS);
        assertEquals(0.5, at30.value(), 1e-12);
        assertEquals(1.0, at30.speedup(), 1e-12);
        assertFalse(at30.atLeast(), "its first budget reached 3.0 exactly: the cost is known");
        assertTrue(Double.isNaN(at30.spread()), "one seed: no spread");
        assertEquals(0.5, frontier.saving("apollo", 2.5, Frontier.Axis.FLOPS).value(), 1e-12);
        assertEquals(0.5, frontier.saving("apollo", 3.0, Frontier.Axis.WALL).value(), 1e-12);
        assertNull(frontier.saving("apollo", 2.0, Frontier.Axis.FLOPS), "2.0 is below apollo's last point");
        // between points the cost is interpolated in log-FLOPs, so a constant ratio holds in between too
        assertEquals(0.5, frontier.saving("apollo", 2.75, Frontier.Axis.FLOPS).value(), 1e-12);
        // scratch at 2.8 sits 30% of the way from 1e12 to 2e12 in log: 2^0.4 e12; apollo at 3.0 - 0.2 / 0.5 of its
        // first segment, 0.5e12 * 2^0.4: still half
        assertEquals(0.5, frontier.saving("apollo", 2.8, Frontier.Axis.FLOPS).value(), 1e-12);
    }

    @Test
    void aLineThatStartsBelowALevelSavesAtLeastWhatItsFirstBudgetShows() {
        List<SweepPoint> points = new ArrayList<>(scratch(1));
        points.add(new SweepPoint("stackbert", 100, 0, 2.9, 0.25e12, 3));
        points.add(new SweepPoint("stackbert", 200, 0, 2.6, 0.5e12, 6));
        Frontier frontier = new Frontier(points, "scratch");
        Frontier.Saving saving = frontier.saving("stackbert", 3.0, Frontier.Axis.FLOPS);
        assertTrue(saving.atLeast());
        assertEquals(0.75, saving.value(), 1e-12);
        assertTrue(saving.ahead());
        assertEquals("≥ 75.0% (speed-up ≥ +300%)", FrontierReport.cell(saving));
    }

    @Test
    void aSavingInsideTheSpreadOverSeedsIsATie() {
        List<SweepPoint> points = new ArrayList<>(scratch(3));
        // seed by seed: 10% ahead, 10% behind, level: a mean gap inside its spread
        double[] factors = {0.9, 1.1, 1.0};
        for (int seed = 0; seed < 3; seed++) {
            points.add(new SweepPoint("us", 100, seed, 3.0, 1e12 * factors[seed], 10));
            points.add(new SweepPoint("us", 400, seed, 2.0, 4e12 * factors[seed], 40));
        }
        Frontier frontier = new Frontier(points, "scratch");
        Frontier.Saving saving = frontier.saving("us", 2.0, Frontier.Axis.FLOPS);
        assertEquals(0.1, saving.spread(), 1e-9);
        assertTrue(saving.tie(), saving.toString());
        assertFalse(saving.ahead());
        assertTrue(frontier.leaders(2.0).isEmpty());
        assertTrue(frontier.best().isEmpty(), "no saving beyond its spread");
        assertTrue(FrontierReport.cell(saving).startsWith("tie ("), FrontierReport.cell(saving));
    }

    @Test
    void crossingsAreWhereTheLossGapChangesSignInLogFlops() {
        List<SweepPoint> points = new ArrayList<>(scratch(1));
        // from 0.5e12 to 4e12 (three doublings) the loss falls from 3.0 to 2.2, linearly in log-FLOPs: ahead of
        // scratch at 1e12 and 2e12 (by 0.2667 and 0.0333), behind at 4e12 (by 0.2): a crossing 1/7 of a doubling
        // after 2e12
        points.add(new SweepPoint("apollo", 100, 0, 3.0, 0.5e12, 10));
        points.add(new SweepPoint("apollo", 800, 0, 2.2, 4e12, 40));
        Frontier frontier = new Frontier(points, "scratch");
        List<Frontier.Crossing> crossings = frontier.crossings("apollo");
        assertEquals(1, crossings.size());
        assertEquals(2e12 * Math.pow(2, 1.0 / 7), crossings.get(0).flops(), 1e3);
        assertFalse(crossings.get(0).aheadAfter());

        Frontier.Best best = frontier.best().orElseThrow();
        assertEquals("apollo", best.line());
        assertEquals(3.0, best.level());
        assertEquals(0.5, best.saving().value(), 1e-12);
        assertEquals(List.of("apollo"), frontier.leaders(3.0));
        assertTrue(frontier.leaders(2.0).isEmpty());
    }

    @Test
    void meanAndSampleSpreadPerBudget() {
        List<SweepPoint> points = new ArrayList<>(scratch(1));
        points.add(new SweepPoint("apollo", 100, 0, 2.0, 1e12, 10));
        points.add(new SweepPoint("apollo", 100, 1, 3.0, 3e12, 30));
        Frontier.Stats stats = new Frontier(points, "scratch").stats("apollo").get(0);
        assertEquals(2, stats.runs());
        assertEquals(2.5, stats.meanLoss(), 1e-12);
        assertEquals(Math.sqrt(0.5), stats.sdLoss(), 1e-12);
        assertEquals(2e12, stats.meanFlops(), 1);
        assertEquals(20, stats.meanSeconds(), 1e-12);
    }

    @Test
    void aSweepWithoutScratchHasNothingToCompareWith() {
        assertThrows(IllegalArgumentException.class,
                () -> new Frontier(List.of(new SweepPoint("apollo", 100, 0, 2.0, 1e12, 10)), "scratch"));
    }
}
