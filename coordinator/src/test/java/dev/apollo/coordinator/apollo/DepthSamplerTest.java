package dev.apollo.coordinator.apollo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DepthSamplerTest {

    private static final int L = 12;
    private static final double EXACT = 1e-12;

    static Stream<Arguments> samplersAndWeights() {
        List<DepthSampler> samplers = List.of(new LvpsSampler(L, 0), new LvpsSampler(L, 2.5), new LvpsRefSampler(L),
                new UniformSampler(L), new EdgeSampler(L, 10), new FullSampler(L), new NoneSampler(L));
        return samplers.stream().flatMap(s -> Stream.of(1, 3, 6, 11, 12).map(n -> Arguments.of(s, n)));
    }

    @ParameterizedTest
    @MethodSource("samplersAndWeights")
    void probabilitiesSumToOneInsideWeightsToL(DepthSampler sampler, int weights) {
        double[] p = sampler.probabilities(weights);
        assertEquals(L + 1, p.length);
        assertEquals(1.0, Arrays.stream(p).sum(), EXACT);
        for (int d = 0; d <= L; d++) {
            assertTrue(p[d] >= 0.0, "negative mass at " + d);
            if (d < weights) {
                assertEquals(0.0, p[d], "mass below N at " + d);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("samplersAndWeights")
    void drawsMatchProbabilitiesByChiSquare(DepthSampler sampler, int weights) {
        double[] p = sampler.probabilities(weights);
        int draws = 100_000;
        long[] counts = new long[L + 1];
        for (long step = 0; step < draws; step++) {
            counts[sampler.draw(weights, 20240607L, step)]++;
        }
        int df = ChiSquare.degreesOfFreedom(p);
        if (df == 0) { // a point mass: every draw must land on it
            int only = Arrays.stream(p).boxed().toList().indexOf(1.0);
            assertEquals(draws, counts[only]);
            return;
        }
        double statistic = ChiSquare.statistic(counts, p, draws);
        assertTrue(statistic < ChiSquare.critical999(df), sampler + " N=" + weights + ": chi2 " + statistic
                + " >= " + ChiSquare.critical999(df) + " at df " + df + ", counts " + Arrays.toString(counts));
    }

    @Test
    void lvpsAtKZeroIsInverseSquareOverTheDepths() {
        DepthSampler lvps = new LvpsSampler(L, 0);
        for (int n : new int[] {1, 3, 6}) {
            double h = 0.0;
            for (int d = n; d <= L; d++) {
                h += 1.0 / (d * d);
            }
            double[] p = lvps.probabilities(n);
            for (int d = n; d <= L; d++) {
                assertEquals(1.0 / (d * d) / h, p[d], EXACT, "N=" + n + " d=" + d);
            }
        }
        // N=1: H = sum 1/d^2 over 1..12 = 1.5649766..., P(1) = 1/H
        assertEquals(0.638987, lvps.probabilities(1)[1], 1e-6);
    }

    @Test
    void lvpsOffsetShiftsTheInverseSquare() {
        double k = 2.5;
        double[] p = new LvpsSampler(L, k).probabilities(3);
        double norm = 0.0;
        for (int d = 3; d <= L; d++) {
            norm += 1.0 / ((d + k) * (d + k));
        }
        assertEquals(1.0 / (5.5 * 5.5) / norm, p[3], EXACT);
        assertEquals(1.0 / (14.5 * 14.5) / norm, p[12], EXACT);
    }

    @Test
    void lvpsRefPutsMostMassOnN() {
        DepthSampler ref = new LvpsRefSampler(L);
        assertEquals(0.73, ref.probabilities(1)[1], 0.01);
        assertEquals(0.64, ref.probabilities(3)[3], 0.01);
        assertEquals(0.65, ref.probabilities(6)[6], 0.01);
    }

    @Test
    void lvpsRefMassesFollowTheHyperbolaInverse() {
        // N=6, ratio 2: n = 1/3, m = 0.8; depth >= 7 iff x <= 0.8*6/7 - 1/3, depth 12 iff x <= 0.8/2 - 1/3
        double[] p = new LvpsRefSampler(L).probabilities(6);
        double n = 1.0 / 3.0;
        double m = 0.8;
        double span = 1.0 - 1e-6;
        assertEquals(1.0 - (m * 6 / 7 - n - 1e-6) / span, p[6], 1e-12);
        assertEquals((m / 2 - n - 1e-6) / span, p[12], 1e-12);
        assertEquals((m * 6 / 11 - n - 1e-6) / span - (m / 2 - n - 1e-6) / span, p[11], 1e-12);
    }

    @Test
    void uniformIsFlatOverTheDepths() {
        double[] p = new UniformSampler(L).probabilities(3);
        for (int d = 3; d <= L; d++) {
            assertEquals(0.1, p[d], EXACT);
        }
        assertEquals(7.5, new UniformSampler(L).expectedDepth(3), EXACT);
    }

    @Test
    void edgeMatchesTableOneDiscretized() {
        double k = 10;
        int n = 3;
        double c = (L - n) / (Math.exp(k / 2) - 1);
        assertEquals(k, 2 * Math.log((L - n + c) / c), 1e-12); // the continuous density integrates to 1
        double[] p = new EdgeSampler(L, k).probabilities(n);
        double norm = 0.0;
        for (int d = n; d <= L; d++) {
            norm += 1 / (d - n + c) + 1 / (L - d + c);
        }
        for (int d = n; d <= L; d++) {
            assertEquals((1 / (d - n + c) + 1 / (L - d + c)) / norm, p[d], EXACT, "d=" + d);
            assertEquals(p[n + L - d], p[d], EXACT, "symmetric about the middle at d=" + d);
        }
        assertTrue(p[n] + p[L] > 0.85, "most mass at the two ends: " + Arrays.toString(p));
    }

    @Test
    void fullAlwaysDrawsLAndNoneAlwaysDrawsN() {
        DepthSampler full = new FullSampler(L);
        DepthSampler none = new NoneSampler(L);
        for (long step = 0; step < 1000; step++) {
            assertEquals(L, full.draw(3, 1, step));
            assertEquals(3, none.draw(3, 1, step));
        }
        assertEquals(L, full.expectedDepth(1), EXACT);
        assertEquals(6, none.expectedDepth(6), EXACT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lvps", "lvps-ref", "uniform", "edge", "full", "none"})
    void allWeightsMeansFullDepth(String kind) {
        DepthSampler sampler = DepthSampler.of(kind, L, 10);
        for (long step = 0; step < 1000; step++) {
            assertEquals(L, sampler.draw(L, 7, step));
        }
        assertEquals(1.0, sampler.probabilities(L)[L]);
        assertEquals(L, sampler.expectedDepth(L), EXACT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lvps", "lvps-ref", "uniform", "edge"})
    void drawsArePureFunctionsOfSeedAndStep(String kind) {
        DepthSampler sampler = DepthSampler.of(kind, L, 10);
        int[] forward = new int[500];
        for (int step = 0; step < forward.length; step++) {
            forward[step] = sampler.draw(3, 42, step);
        }
        DepthSampler again = DepthSampler.of(kind, L, 10);
        for (int step = forward.length - 1; step >= 0; step--) { // any order, any instance
            assertEquals(forward[step], again.draw(3, 42, step), "step " + step);
        }
        int[] otherSeed = new int[forward.length];
        for (int step = 0; step < otherSeed.length; step++) {
            otherSeed[step] = sampler.draw(3, 43, step);
        }
        assertNotEquals(Arrays.toString(forward), Arrays.toString(otherSeed));
    }

    @Test
    void expectedDepthIsTheMeanOfTheProbabilities() {
        DepthSampler lvps = new LvpsSampler(L, 0);
        double[] p = lvps.probabilities(1);
        double mean = 0.0;
        for (int d = 1; d <= L; d++) {
            mean += d * p[d];
        }
        assertEquals(mean, lvps.expectedDepth(1), EXACT);
        assertTrue(lvps.expectedDepth(1) < new UniformSampler(L).expectedDepth(1), "LVPS favours shallow depths");
    }

    @Test
    void factoryChoosesByKindName() {
        assertInstanceOf(LvpsSampler.class, DepthSampler.of("lvps", L, 0));
        assertInstanceOf(LvpsRefSampler.class, DepthSampler.of("lvps-ref", L, 0));
        assertInstanceOf(LvpsRefSampler.class, DepthSampler.of("LVPS_REF", L, 0));
        assertInstanceOf(UniformSampler.class, DepthSampler.of("uniform", L, 0));
        assertInstanceOf(EdgeSampler.class, DepthSampler.of("edge", L, 10));
        assertInstanceOf(FullSampler.class, DepthSampler.of("full", L, 0));
        assertInstanceOf(NoneSampler.class, DepthSampler.of("NONE", L, 0));
        assertEquals(new LvpsSampler(L, 1.5), DepthSampler.of("lvps", L, 1.5));
        assertThrows(IllegalArgumentException.class, () -> DepthSampler.of("geometric", L, 0));
    }

    @Test
    void rejectsBadParametersAndWeightsOutsideOneToL() {
        assertThrows(IllegalArgumentException.class, () -> new LvpsSampler(L, -1));
        assertThrows(IllegalArgumentException.class, () -> new LvpsSampler(L, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new EdgeSampler(L, 0));
        assertThrows(IllegalArgumentException.class, () -> new UniformSampler(0));
        for (String kind : new String[] {"lvps", "lvps-ref", "uniform", "edge", "full", "none"}) {
            DepthSampler sampler = DepthSampler.of(kind, L, 10);
            assertThrows(IllegalArgumentException.class, () -> sampler.probabilities(0), kind);
            assertThrows(IllegalArgumentException.class, () -> sampler.probabilities(L + 1), kind);
            assertThrows(IllegalArgumentException.class, () -> sampler.draw(L + 1, 1, 0), kind);
        }
    }
}
