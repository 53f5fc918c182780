package dev.apollo.config;

/**
 * Learning-rate schedule over the whole run: linear warmup over {@code warmupFraction} of the steps, then
 * {@code decay} down to {@code minLrRatio} x lr at the last step ({@code wsd} holds the peak and decays over the
 * last {@code decayFraction} of the steps only). {@code rewarmupSteps} > 0 ramps the rate again from zero over that
 * many steps after every expansion.
 */
public record ScheduleConfig(double warmupFraction, DecayKind decay, double decayFraction, double minLrRatio,
        int rewarmupSteps) {}
