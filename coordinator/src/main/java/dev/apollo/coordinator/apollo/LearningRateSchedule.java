package dev.apollo.coordinator.apollo;

import java.util.Arrays;
import java.util.Locale;

/**
 * The learning rate at each step of a run, a pure function of the step. With t the step, W the warmup steps and
 * S the total steps:
 * <pre>
 *   t &lt; W:    lr * (t + 1) / W
 *   otherwise: lr * decay(p),   p = (t - W) / max(1, S - W)
 *     cosine:   min + (1 - min) * 0.5 * (1 + cos(pi p))
 *     linear:   min + (1 - min) * (1 - p)
 *     constant: 1
 *     wsd:      1 until t = S - D, then min + (1 - min) * (1 - (t - (S - D)) / D)
 * </pre>
 * where min = minLrRatio, matching the PyTorch reference, and D the decay steps of wsd (warmup-stable-decay: the
 * peak holds, so a network grown late still trains at the full rate, and the run anneals only at its end).
 * Optional re-warmup: for the {@code rewarmupSteps} steps after each expansion at step s, the rate is further
 * multiplied by (t - s + 1) / rewarmupSteps, so the freshly copied weights and moments are not hit by the full rate
 * at once.
 */
public final class LearningRateSchedule {

    /** The shape after warmup. */
    public enum Decay {
        COSINE,
        LINEAR,
        CONSTANT,
        WSD;

        /** "cosine", "linear", "constant" or "wsd", case-insensitive. */
        public static Decay named(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "cosine" -> COSINE;
                case "linear" -> LINEAR;
                case "constant" -> CONSTANT;
                case "wsd" -> WSD;
                default -> throw new IllegalArgumentException(
                        "unknown decay '" + name + "' (expected cosine, linear, constant or wsd)");
            };
        }
    }

    private final double baseLr;
    private final long totalSteps;
    private final long warmupSteps;
    private final Decay decay;
    private final long decaySteps;
    private final double minLrRatio;
    private final int rewarmupSteps;
    private final long[] expansionSteps;

    /**
     * @param baseLr the peak rate, > 0
     * @param totalSteps the run's length, >= 1
     * @param warmupSteps steps of linear warmup, 0 <= warmupSteps <= totalSteps (0: start at the peak)
     * @param decay the shape after warmup
     * @param decaySteps with {@link Decay#WSD}, the steps at the end over which the rate decays,
     *     1 <= decaySteps <= totalSteps - warmupSteps; ignored otherwise
     * @param minLrRatio the decayed rate's floor as a fraction of baseLr, in [0, 1]
     * @param rewarmupSteps steps of re-warmup after each expansion, >= 0 (0: none)
     * @param expansionSteps steps where a stage begins, strictly increasing, in (0, totalSteps)
     */
    public LearningRateSchedule(double baseLr, long totalSteps, long warmupSteps, Decay decay, long decaySteps,
            double minLrRatio, int rewarmupSteps, long[] expansionSteps) {
        if (!(baseLr > 0.0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("baseLr must be finite and > 0, got " + baseLr);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "warmupSteps must be in [0, " + totalSteps + "] (totalSteps), got " + warmupSteps);
        }
        if (decay == Decay.WSD && (decaySteps < 1 || decaySteps > totalSteps - warmupSteps)) {
            throw new IllegalArgumentException("decaySteps must be in [1, " + (totalSteps - warmupSteps)
                    + "] (totalSteps - warmupSteps), got " + decaySteps);
        }
        if (!(minLrRatio >= 0.0 && minLrRatio <= 1.0)) {
            throw new IllegalArgumentException("minLrRatio must be in [0, 1], got " + minLrRatio);
        }
        if (rewarmupSteps < 0) {
            throw new IllegalArgumentException("rewarmupSteps must be >= 0, got " + rewarmupSteps);
        }
        for (int i = 0; i < expansionSteps.length; i++) {
            long s = expansionSteps[i];
            if (s <= 0 || s >= totalSteps || (i > 0 && s <= expansionSteps[i - 1])) {
                throw new IllegalArgumentException("expansion steps must strictly increase inside (0, " + totalSteps
                        + "), got " + Arrays.toString(expansionSteps));
            }
        }
        this.baseLr = baseLr;
        this.totalSteps = totalSteps;
        this.warmupSteps = warmupSteps;
        this.decay = decay;
        this.decaySteps = decaySteps;
        this.minLrRatio = minLrRatio;
        this.rewarmupSteps = rewarmupSteps;
        this.expansionSteps = expansionSteps.clone();
    }

    /**
     * Warmup and wsd's decay given as fractions of the run: round(fraction * totalSteps) steps each, the decay at
     * least one step.
     */
    public static LearningRateSchedule fromFractions(double baseLr, long totalSteps, double warmupFraction,
            Decay decay, double decayFraction, double minLrRatio, int rewarmupSteps, long[] expansionSteps) {
        if (!(warmupFraction >= 0.0 && warmupFraction <= 1.0)) {
            throw new IllegalArgumentException("warmupFraction must be in [0, 1], got " + warmupFraction);
        }
        if (!(decayFraction > 0.0 && decayFraction <= 1.0)) {
            throw new IllegalArgumentException("decayFraction must be in (0, 1], got " + decayFraction);
        }
        long warmupSteps = Math.round(warmupFraction * totalSteps);
        long decaySteps = Math.max(1, Math.min(totalSteps - warmupSteps, Math.round(decayFraction * totalSteps)));
        return new LearningRateSchedule(baseLr, totalSteps, warmupSteps, decay, decaySteps, minLrRatio,
                rewarmupSteps, expansionSteps);
    }

    /** The rate for {@code step}, 0 <= step < totalSteps. */
    public double at(long step) {
        if (step < 0 || step >= totalSteps) {
            throw new IllegalArgumentException("step " + step + " is outside the run [0, " + totalSteps + ")");
        }
        return baseLr * scheduleFactor(step) * rewarmupFactor(step);
    }

    public long warmupSteps() {
        return warmupSteps;
    }

    private double scheduleFactor(long step) {
        if (step < warmupSteps) {
            return (step + 1.0) / warmupSteps;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1L, totalSteps - warmupSteps);
        return switch (decay) {
            case COSINE -> minLrRatio + (1.0 - minLrRatio) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
            case LINEAR -> minLrRatio + (1.0 - minLrRatio) * (1.0 - progress);
            case CONSTANT -> 1.0;
            case WSD -> {
                long decayStart = totalSteps - decaySteps;
                yield step < decayStart ? 1.0
                        : minLrRatio + (1.0 - minLrRatio) * (1.0 - (double) (step - decayStart) / decaySteps);
            }
        };
    }

    private double rewarmupFactor(long step) {
        if (rewarmupSteps == 0) {
            return 1.0;
        }
        int i = Arrays.binarySearch(expansionSteps, step);
        int latest = i >= 0 ? i : -i - 2; // the last expansion at or before step
        if (latest < 0) {
            return 1.0;
        }
        long sinceExpansion = step - expansionSteps[latest];
        return sinceExpansion < rewarmupSteps ? (sinceExpansion + 1.0) / rewarmupSteps : 1.0;
    }
}
