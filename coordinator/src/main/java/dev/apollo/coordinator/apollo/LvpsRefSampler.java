package dev.apollo.coordinator.apollo;

/**
 * LVPS as the authors' released code implements it, which differs from the paper's formula. With
 * ratio = L / N it draws x ~ U(1e-6, 1) and maps it through the hyperbola y = m / (x + n), whose constants make
 * y = ratio + 0.4 at x = 0 and y = 0.6 at x = 1:
 * <pre>
 *   n = 0.6 / (ratio - 0.2),   m = (ratio + 0.4) * n,
 *   y = clip(m / (x + n), 1, ratio),   depth = floor(y * N), clamped into [N, L].
 * </pre>
 * The clip at 1 piles every x above m - n onto depth N: at L = 12 about 0.73, 0.64 and 0.65 of the mass lands on
 * N for N = 1, 3 and 6.
 *
 * <p>{@link #probabilities} is exact, from the inverse x = m / y - n: since y falls as x grows,
 * P(depth >= d) = P(y >= d / N) = P(x <= m N / d - n) for N < d <= L, the measure of that part of (1e-6, 1)
 * relative to the interval's length; P(d) is the difference of neighbouring tails. {@link #draw} applies the same
 * continuous map to the step's uniform.
 *
 * @param totalLayers L, the model's depth
 */
public record LvpsRefSampler(int totalLayers) implements DepthSampler {

    private static final double X_MIN = 1e-6;

    public LvpsRefSampler {
        DepthMasses.requireTotalLayers(totalLayers);
    }

    @Override
    public double[] probabilities(int weights) {
        DepthMasses.requireWeights(totalLayers, weights);
        if (weights == totalLayers) {
            return DepthMasses.pointMass(totalLayers, totalLayers);
        }
        Hyperbola h = Hyperbola.of(totalLayers, weights);
        double[] p = new double[totalLayers + 1];
        double tailAbove = 0.0; // P(depth >= d + 1), starting past L
        for (int d = totalLayers; d > weights; d--) {
            double tail = uniformMassBelow(h.m() * weights / d - h.n());
            p[d] = tail - tailAbove;
            tailAbove = tail;
        }
        p[weights] = 1.0 - tailAbove;
        return p;
    }

    @Override
    public int draw(int weights, long seed, long step) {
        DepthMasses.requireWeights(totalLayers, weights);
        double x = X_MIN + StepUniform.at(seed, step) * (1.0 - X_MIN);
        Hyperbola h = Hyperbola.of(totalLayers, weights);
        double y = h.m() / (x + h.n());
        // the top clip is decided on y, not on floor(ratio * N), which can round to L - 1
        int depth = y >= h.ratio() ? totalLayers : (int) Math.floor(Math.max(y, 1.0) * weights);
        return Math.max(weights, Math.min(totalLayers, depth));
    }

    /** P(X_MIN < x <= threshold) for x ~ U(X_MIN, 1). */
    private static double uniformMassBelow(double threshold) {
        return Math.max(0.0, Math.min(1.0, (threshold - X_MIN) / (1.0 - X_MIN)));
    }

    /** y = m / (x + n) through (0, ratio + 0.4) and (1, 0.6). */
    private record Hyperbola(double ratio, double m, double n) {
        static Hyperbola of(int totalLayers, int weights) {
            double ratio = (double) totalLayers / weights;
            double n = 0.6 / (ratio - 0.2);
            return new Hyperbola(ratio, (ratio + 0.4) * n, n);
        }
    }
}
