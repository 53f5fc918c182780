package dev.apollo.sim;

import java.util.List;
import java.util.Locale;

/** The training schedules a plan compares, each a change to the configured run (same steps, batch and model). */
public enum Schedule {

    /** Every step at the full depth, from the first: the baseline. */
    SCRATCH,
    /** The configured stages, each step at the stage's own depth N(s), grown by stacking (progressive stacking). */
    STACKBERT,
    /** The run as configured: by default LVPS depth sampling over interpolation-shared weights. */
    APOLLO;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code key=value} overrides (relative to {@code apollo.}) that turn the configured run into this schedule. */
    List<String> overrides(int layers) {
        return switch (this) {
            case SCRATCH -> List.of("stages.layers=[" + layers + "]", "stages.boundaries=[]", "sampler.kind=full");
            case STACKBERT -> List.of("stages.sharing=stacking", "stages.expansion=stacking", "sampler.kind=none");
            case APOLLO -> List.of();
        };
    }
}
