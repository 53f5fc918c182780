package dev.apollo.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The discrete faults of a run, drawn from the seed before it starts: each kind at random steps, about once every
 * so many steps (at least once when on), the spacing itself drawn per seed between half and twice the usual, so a
 * sweep meets both quiet runs and storms. A fault fires soon after the run first issues its step, so faults land
 * while the run is going on, however long it takes.
 */
final class FaultPlan {

    record Planned(long atStep, FaultKind kind) {}

    private FaultPlan() {}

    /** Steps per occurrence of each kind. */
    private static long stepsPerFault(FaultKind kind) {
        return switch (kind) {
            case CRASH -> 50;
            case SLOW, JOIN, PARTITION -> 80;
            case LEAVE -> 100;
            case RESTART -> 150;
            case LOSS, DUPLICATE, REORDER -> throw new IllegalArgumentException(kind + " is not a discrete fault");
        };
    }

    static List<Planned> draw(Set<FaultKind> kinds, long totalSteps, SplittableRandom random) {
        List<Planned> planned = new ArrayList<>();
        for (FaultKind kind : kinds) {
            if (kind.onTheNetwork()) {
                continue;
            }
            double spacing = stepsPerFault(kind) * 0.5 * Math.pow(4, random.nextDouble());
            long count = Math.max(1, Math.round(totalSteps / spacing));
            for (long i = 0; i < count; i++) {
                planned.add(new Planned(random.nextLong(totalSteps), kind));
            }
        }
        planned.sort(Comparator.comparingLong(Planned::atStep).thenComparing(Planned::kind));
        return planned;
    }
}
