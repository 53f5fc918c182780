package dev.apollo.experiments.accel;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.BoundaryUnit;
import dev.apollo.run.UsageError;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How a progressive method grows: the real layer weights of each stage and where each later stage begins, as
 * fractions of the run. {@code paper} is the configuration's own plan (the paper's [1, 3, 6, 12]); any other is
 * written {@code 6-12@0.5} (one growth from 6 to 12 weights half way) or {@code 1-3-6-12@0.05/0.1/0.25}.
 */
public record GrowthPlan(String id, List<Integer> layers, List<Double> fractions) {

    public static final String PAPER = "paper";

    public static GrowthPlan parse(String spec, ApolloConfig base) {
        int modelLayers = base.model().layers();
        if (spec.equals(PAPER)) {
            if (base.stages().boundaryUnit() != BoundaryUnit.FRACTION) {
                throw new UsageError("--plans paper needs stages.boundary-unit = fraction (the sweep scales the plan "
                        + "to each budget), got " + base.stages().boundaryUnit().name().toLowerCase());
            }
            return checked(PAPER, base.stages().layers(), base.stages().boundaries(), modelLayers);
        }
        String[] parts = spec.split("@", -1);
        if (parts.length != 2) {
            throw new UsageError("--plans " + spec + ": expected 'paper' or weights@fractions, e.g. 6-12@0.5 or "
                    + "1-3-6-12@0.05/0.1/0.25");
        }
        try {
            List<Integer> layers = new ArrayList<>();
            for (String n : parts[0].split("-", -1)) {
                layers.add(Integer.parseInt(n.trim()));
            }
            List<Double> fractions = new ArrayList<>();
            for (String f : parts[1].isBlank() ? new String[0] : parts[1].split("/", -1)) {
                fractions.add(Double.parseDouble(f.trim()));
            }
            return checked(spec, layers, fractions, modelLayers);
        } catch (NumberFormatException e) {
            throw new UsageError("--plans " + spec + ": weights must be whole numbers and fractions numbers ("
                    + e.getMessage() + ")");
        }
    }

    private static GrowthPlan checked(String id, List<Integer> layers, List<Double> fractions, int modelLayers) {
        String problem = null;
        if (layers.size() < 2) {
            problem = "a plan grows at least once";
        } else if (layers.get(layers.size() - 1) != modelLayers) {
            problem = "the last stage must hold all " + modelLayers + " layers (model.layers)";
        } else if (fractions.size() != layers.size() - 1) {
            problem = "needs " + (layers.size() - 1) + " fractions, one per growth";
        } else {
            for (int i = 0; i < layers.size() && problem == null; i++) {
                if (layers.get(i) < 1 || (i > 0 && layers.get(i) <= layers.get(i - 1))) {
                    problem = "weights must be >= 1 and strictly increasing";
                }
            }
            for (int i = 0; i < fractions.size() && problem == null; i++) {
                double f = fractions.get(i);
                if (!(f > 0 && f < 1) || (i > 0 && f <= fractions.get(i - 1))) {
                    problem = "fractions must be in (0, 1) and strictly increasing";
                }
            }
        }
        if (problem != null) {
            throw new UsageError("--plans " + id + ": " + problem);
        }
        return new GrowthPlan(id, List.copyOf(layers), List.copyOf(fractions));
    }

    /** The weights, e.g. {@code 6-12}: how lines and directories name the plan. */
    public String weights() {
        return layers.stream().map(String::valueOf).collect(Collectors.joining("-"));
    }

    /** Where each later stage begins in a run of {@code steps} steps, rounded as the trainer rounds fractions. */
    public List<Long> boundarySteps(long steps) {
        return fractions.stream().map(f -> Math.round(f * steps)).toList();
    }

    /** The overrides of a run that scales the plan to its own length. */
    public List<String> scaledOverrides() {
        return List.of("stages.layers=" + layers, "stages.boundaries=" + fractions, "stages.boundary-unit=fraction");
    }

    /**
     * The overrides of a run of {@code steps} steps cut from a trunk whose stages begin at {@code trunkBoundaries}:
     * the stages that begin before its end, at the same steps. A run that ends before the last growth keeps the
     * weights it has, shared over the full depth.
     */
    public List<String> truncatedOverrides(List<Long> trunkBoundaries, long steps) {
        List<Integer> kept = new ArrayList<>(List.of(layers.get(0)));
        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < trunkBoundaries.size() && trunkBoundaries.get(i) < steps; i++) {
            starts.add(trunkBoundaries.get(i));
            kept.add(layers.get(i + 1));
        }
        return List.of("stages.layers=" + kept, "stages.boundaries=" + starts, "stages.boundary-unit=steps");
    }
}
