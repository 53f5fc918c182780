package dev.apollo.coordinator.apollo;

/** Pearson's goodness-of-fit test of observed depth counts against a sampler's probabilities. */
final class ChiSquare {

    /** Upper 0.999 quantiles of the chi-square distribution for 1..12 degrees of freedom (standard tables). */
    private static final double[] CRITICAL_999 =
            {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588, 31.264, 32.909};

    private ChiSquare() {}

    /** Sum over depths with mass of (observed - expected)^2 / expected. */
    static double statistic(long[] counts, double[] probabilities, long draws) {
        double statistic = 0.0;
        for (int d = 0; d < probabilities.length; d++) {
            if (probabilities[d] > 0.0) {
                double expected = probabilities[d] * draws;
                double diff = counts[d] - expected;
                statistic += diff * diff / expected;
            } else if (counts[d] != 0) {
                return Double.POSITIVE_INFINITY; // a draw where there is no mass
            }
        }
        return statistic;
    }

    /** Degrees of freedom: depths with mass, minus one. */
    static int degreesOfFreedom(double[] probabilities) {
        int bins = 0;
        for (double p : probabilities) {
            if (p > 0.0) {
                bins++;
            }
        }
        return bins - 1;
    }

    static double critical999(int degreesOfFreedom) {
        return CRITICAL_999[degreesOfFreedom - 1];
    }
}
