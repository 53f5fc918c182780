package dev.apollo.config;

/**
 * Learning-rate schedule over the whole run: linear warmup over {@code warmupFraction} of the steps, then
 * {@code decay} down to {@code minLrRatio} x lr at the last step. {@code rewarmupSteps} > 0 ramps the rate again
 * from zero over that many steps after every expansion.
 */
public record ScheduleConfig(double warmupFraction, DecayKind decay, double minLrRatio, int rewarmupSteps) {}
