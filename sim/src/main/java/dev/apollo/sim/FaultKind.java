package dev.apollo.sim;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the simulator can do to a run. The first six are events drawn from the seed's fault plan; the last three
 * are properties of every message on the simulated network while they are on.
 */
public enum FaultKind {
    /** A worker process dies; it comes back later under a new id. */
    CRASH,
    /** A worker's device runs several times slower for a while. */
    SLOW,
    /** A new worker joins. */
    JOIN,
    /** A worker asks to leave cleanly. */
    LEAVE,
    /** Some workers are cut off from everyone for a while, long enough to be declared dead or not. */
    PARTITION,
    /** The coordinator process dies and comes back from the last durable checkpoint. */
    RESTART,
    /** Messages are lost and retransmitted. */
    LOSS,
    /** Messages arrive twice. */
    DUPLICATE,
    /** Messages overtake each other. */
    REORDER;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean onTheNetwork() {
        return this == LOSS || this == DUPLICATE || this == REORDER;
    }

    /** {@code all}, {@code none}, or kinds separated by commas ({@code crash,partition}). */
    public static Set<FaultKind> parse(String spec) {
        String trimmed = spec.strip();
        if (trimmed.equals("all")) {
            return EnumSet.allOf(FaultKind.class);
        }
        if (trimmed.equals("none")) {
            return EnumSet.noneOf(FaultKind.class);
        }
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String part : trimmed.split(",", -1)) {
            String name = part.strip();
            kinds.add(Arrays.stream(values()).filter(kind -> kind.label().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("bad --faults '" + spec + "': unknown kind '" + name
                            + "'; write all, none, or some of " + Arrays.stream(values()).map(FaultKind::label)
                                    .collect(Collectors.joining(" ")) + " separated by commas")));
        }
        return kinds;
    }

    /** The inverse of {@link #parse}: {@code all}, {@code none}, or the kinds in declaration order. */
    public static String describe(Set<FaultKind> kinds) {
        if (kinds.containsAll(EnumSet.allOf(FaultKind.class))) {
            return "all";
        }
        if (kinds.isEmpty()) {
            return "none";
        }
        return kinds.stream().sorted().map(FaultKind::label).collect(Collectors.joining(","));
    }
}
