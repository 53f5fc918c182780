package dev.apollo.experiments.accel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The loss-compute frontier of each line of a sweep, and how the lines compare with scratch's. A line's frontier
 * joins its mean final validation loss at each budget, in order of cost; between budgets the loss is interpolated
 * linearly in log-cost. The saving at a loss level is the horizontal gap to scratch's frontier: 1 - (the line's cost
 * to first reach the level) / (scratch's cost to reach it). Its spread is the standard deviation over seeds of the
 * same gap between each seed's own frontiers (seeds pair up: same data order and initial draw), and a saving whose
 * size is inside its spread is a tie.
 */
public final class Frontier {

    /** The cost axis: FLOPs, or training seconds. */
    public enum Axis {
        FLOPS(Stats::meanFlops, SweepPoint::flops),
        WALL(Stats::meanSeconds, SweepPoint::trainSeconds);

        private final ToDoubleFunction<Stats> mean;
        private final ToDoubleFunction<SweepPoint> single;

        Axis(ToDoubleFunction<Stats> mean, ToDoubleFunction<SweepPoint> single) {
            this.mean = mean;
            this.single = single;
        }

        public double of(Stats stats) {
            return mean.applyAsDouble(stats);
        }
    }

    /** A line at one budget over its seeds: mean and sample standard deviation of the loss, mean costs. */
    public record Stats(String line, long budget, int runs, double meanLoss, double sdLoss, double meanFlops,
            double meanSeconds) {}

    /**
     * A line's saving against scratch at one loss level. {@code atLeast}: the line's smallest budget already reached
     * the level, so the saving is at least {@code value}. {@code spread} is NaN with fewer than two paired seeds.
     */
    public record Saving(double value, double spread, boolean atLeast) {

        public boolean tie() {
            return !atLeast && !Double.isNaN(spread) && Math.abs(value) <= spread;
        }

        /** Ahead of scratch beyond the spread. */
        public boolean ahead() {
            return value > 0 && !tie();
        }

        /** Scratch's cost over the line's, minus 1. */
        public double speedup() {
            return 1 / (1 - value) - 1;
        }
    }

    /** Where a line's frontier crosses scratch's: above {@code flops} it is ahead ({@code aheadAfter}) or behind. */
    public record Crossing(double flops, boolean aheadAfter) {}

    /** The largest saving that is not a tie, where it was measured and by which line. */
    public record Best(String line, double level, Saving saving) {}

    private final String scratch;
    private final Map<String, List<Stats>> stats = new LinkedHashMap<>();
    private final Map<String, Map<Integer, List<SweepPoint>>> bySeed = new LinkedHashMap<>();

    /** {@code points} of every line, {@code scratch} naming the baseline line. */
    public Frontier(List<SweepPoint> points, String scratch) {
        this.scratch = scratch;
        Map<String, Map<Long, List<SweepPoint>>> grouped = new LinkedHashMap<>();
        for (SweepPoint point : points) {
            grouped.computeIfAbsent(point.line(), l -> new TreeMap<>()).computeIfAbsent(point.budget(),
                    b -> new ArrayList<>()).add(point);
            bySeed.computeIfAbsent(point.line(), l -> new TreeMap<>()).computeIfAbsent(point.seed(),
                    s -> new ArrayList<>()).add(point);
        }
        grouped.forEach((line, budgets) -> stats.put(line, budgets.entrySet().stream()
                .map(e -> summary(line, e.getKey(), e.getValue())).toList()));
        if (!stats.containsKey(scratch)) {
            throw new IllegalArgumentException("the sweep has no " + scratch + " line to compare with");
        }
    }

    private static Stats summary(String line, long budget, List<SweepPoint> runs) {
        double mean = runs.stream().mapToDouble(SweepPoint::loss).average().orElseThrow();
        double sd = runs.size() < 2 ? 0
                : Math.sqrt(runs.stream().mapToDouble(p -> (p.loss() - mean) * (p.loss() - mean)).sum()
                        / (runs.size() - 1));
        return new Stats(line, budget, runs.size(), mean, sd,
                runs.stream().mapToDouble(SweepPoint::flops).average().orElseThrow(),
                runs.stream().mapToDouble(SweepPoint::trainSeconds).average().orElseThrow());
    }

    public String scratch() {
        return scratch;
    }

    /** Every line, scratch included, in the order the points came. */
    public List<String> lines() {
        return List.copyOf(stats.keySet());
    }

    /** The lines compared with scratch. */
    public List<String> methods() {
        return stats.keySet().stream().filter(l -> !l.equals(scratch)).toList();
    }

    /** A line's budgets in increasing order. */
    public List<Stats> stats(String line) {
        return stats.get(line);
    }

    /** The loss levels savings are read at: scratch's mean loss at each of its budgets. */
    public List<Double> levels() {
        return stats.get(scratch).stream().map(Stats::meanLoss).toList();
    }

    public Saving saving(String line, double level, Axis axis) {
        Optional<Reach> own = reach(curve(stats.get(line), axis::of), level);
        Optional<Reach> base = reach(curve(stats.get(scratch), axis::of), level);
        if (own.isEmpty() || base.isEmpty()) {
            return null;
        }
        double value = 1 - Math.exp(own.get().logCost() - base.get().logCost());
        List<Double> paired = new ArrayList<>();
        for (Map.Entry<Integer, List<SweepPoint>> seed : bySeed.get(line).entrySet()) {
            List<SweepPoint> scratchRuns = bySeed.get(scratch).get(seed.getKey());
            if (scratchRuns == null) {
                continue;
            }
            Optional<Reach> a = reach(singleCurve(seed.getValue(), axis), level);
            Optional<Reach> b = reach(singleCurve(scratchRuns, axis), level);
            if (a.isPresent() && b.isPresent()) {
                paired.add(1 - Math.exp(a.get().logCost() - b.get().logCost()));
            }
        }
        return new Saving(value, sd(paired), own.get().atFirstPoint());
    }

    /** Where the line's frontier crosses scratch's in FLOPs, within the range both were measured over. */
    public List<Crossing> crossings(String line) {
        List<double[]> own = curve(stats.get(line), Stats::meanFlops);
        List<double[]> base = curve(stats.get(scratch), Stats::meanFlops);
        double from = Math.max(own.get(0)[0], base.get(0)[0]);
        double to = Math.min(own.get(own.size() - 1)[0], base.get(base.size() - 1)[0]);
        TreeSet<Double> xs = new TreeSet<>();
        for (double[] p : own) {
            xs.add(p[0]);
        }
        for (double[] p : base) {
            xs.add(p[0]);
        }
        List<Double> grid = xs.subSet(from, true, to, true).stream().toList();
        List<Crossing> crossings = new ArrayList<>();
        for (int i = 1; i < grid.size(); i++) {
            double x0 = grid.get(i - 1);
            double x1 = grid.get(i);
            double d0 = lossAt(own, x0) - lossAt(base, x0);
            double d1 = lossAt(own, x1) - lossAt(base, x1);
            if (Math.signum(d0) != Math.signum(d1) && d1 != 0) {
                double x = d0 == 0 ? x0 : x0 + d0 / (d0 - d1) * (x1 - x0);
                crossings.add(new Crossing(Math.exp(x), d1 < 0));
            }
        }
        return crossings;
    }

    /** The line's mean loss at {@code flops} on its frontier; empty outside the FLOPs it was measured over. */
    public OptionalDouble lossAtFlops(String line, double flops) {
        List<double[]> curve = curve(stats.get(line), Stats::meanFlops);
        double x = Math.log(flops);
        if (x < curve.get(0)[0] - 1e-12 || x > curve.get(curve.size() - 1)[0] + 1e-12) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(lossAt(curve, x));
    }

    /** The largest FLOPs saving ahead of scratch beyond its spread, over every line and level; empty if none. */
    public Optional<Best> best() {
        Best best = null;
        for (String line : methods()) {
            for (double level : levels()) {
                Saving saving = saving(line, level, Axis.FLOPS);
                if (saving != null && saving.ahead() && (best == null || saving.value() > best.saving().value())) {
                    best = new Best(line, level, saving);
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** The lines ahead of scratch at {@code level} beyond their spread, largest saving first. */
    public List<String> leaders(double level) {
        return methods().stream().filter(l -> {
            Saving s = saving(l, level, Axis.FLOPS);
            return s != null && s.ahead();
        }).sorted(Comparator.comparingDouble((String l) -> saving(l, level, Axis.FLOPS).value()).reversed())
                .collect(Collectors.toList());
    }

    /** First reaching a loss level on a frontier, at log-cost {@code logCost}; at the first point if it starts below. */
    private record Reach(double logCost, boolean atFirstPoint) {}

    private static Optional<Reach> reach(List<double[]> curve, double level) {
        for (int i = 0; i < curve.size(); i++) {
            double[] p = curve.get(i);
            if (p[1] <= level) {
                if (i == 0) {
                    return Optional.of(new Reach(p[0], p[1] < level));
                }
                double[] q = curve.get(i - 1);
                return Optional.of(new Reach(q[0] + (q[1] - level) / (q[1] - p[1]) * (p[0] - q[0]), false));
            }
        }
        return Optional.empty();
    }

    /** (log cost, loss) points in order of cost. */
    private static List<double[]> curve(List<Stats> stats, ToDoubleFunction<Stats> cost) {
        return stats.stream().map(s -> new double[] {Math.log(cost.applyAsDouble(s)), s.meanLoss()})
                .sorted(Comparator.comparingDouble(p -> p[0])).toList();
    }

    private static List<double[]> singleCurve(List<SweepPoint> runs, Axis axis) {
        return runs.stream().map(p -> new double[] {Math.log(axis.single.applyAsDouble(p)), p.loss()})
                .sorted(Comparator.comparingDouble(p -> p[0])).toList();
    }

    /** Linear in log-cost between the neighbouring points; {@code x} inside the curve's range. */
    private static double lossAt(List<double[]> curve, double x) {
        for (int i = 1; i < curve.size(); i++) {
            double[] q = curve.get(i - 1);
            double[] p = curve.get(i);
            if (x <= p[0]) {
                return p[0] == q[0] ? p[1] : q[1] + (x - q[0]) / (p[0] - q[0]) * (p[1] - q[1]);
            }
        }
        return curve.get(curve.size() - 1)[1];
    }

    private static double sd(List<Double> values) {
        if (values.size() < 2) {
            return Double.NaN;
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        return Math.sqrt(values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / (values.size() - 1));
    }
}
