package dev.apollo.experiments.accel;

import dev.apollo.experiments.BenchResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Writes a frontier sweep's report: {@code points.csv} (every run), {@code frontier.csv} (mean and spread per line
 * and budget), the two frontier plots and {@code report.md} with the section "Where growth pays off": the frontier
 * table, the savings at scratch's loss levels in FLOPs and in seconds, who leads where, the crossings, a paragraph
 * of what the figures show and, for cooldown branches, how they compare with independent runs.
 */
public final class FrontierReport {

    public static final String POINTS_CSV = "points.csv";
    public static final String FRONTIER_CSV = "frontier.csv";
    public static final String FRONTIER_FLOPS = "frontier_flops.png";
    public static final String FRONTIER_WALL = "frontier_wall.png";

    private final Frontier frontier;
    private final List<SweepPoint> points;
    private final Map<String, String> descriptions;

    public FrontierReport(List<SweepPoint> points, String scratch, Map<String, String> descriptions) {
        this.points = points;
        this.frontier = new Frontier(points, scratch);
        this.descriptions = descriptions;
    }

    public Frontier frontier() {
        return frontier;
    }

    public void writeCsv(Path dir) throws IOException {
        StringBuilder all = new StringBuilder("line,budget,seed,final_val_loss,flops,train_seconds\n");
        for (SweepPoint p : points) {
            all.append(String.format(Locale.ROOT, "%s,%d,%d,%.6f,%.6e,%.3f%n", p.line(), p.budget(), p.seed(), p.loss(),
                    p.flops(), p.trainSeconds()));
        }
        Files.writeString(dir.resolve(POINTS_CSV), all, StandardCharsets.UTF_8);
        StringBuilder mean = new StringBuilder("line,budget,runs,mean_val_loss,sd_val_loss,mean_flops,mean_train_seconds\n");
        for (String line : frontier.lines()) {
            for (Frontier.Stats s : frontier.stats(line)) {
                mean.append(String.format(Locale.ROOT, "%s,%d,%d,%.6f,%.6f,%.6e,%.3f%n", line, s.budget(), s.runs(),
                        s.meanLoss(), s.sdLoss(), s.meanFlops(), s.meanSeconds()));
            }
        }
        Files.writeString(dir.resolve(FRONTIER_CSV), mean, StandardCharsets.UTF_8);
    }

    public void writePlots(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        plot(dir.resolve(FRONTIER_FLOPS), "training FLOPs", Frontier.Axis.FLOPS);
        plot(dir.resolve(FRONTIER_WALL), "training seconds", Frontier.Axis.WALL);
    }

    private void plot(Path png, String xTitle, Frontier.Axis axis) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("loss-compute frontier: final validation loss at each budget vs " + xTitle)
                .xAxisTitle(xTitle + " (log)").yAxisTitle("validation loss, mean +- sd over seeds").build();
        chart.getStyler().setXAxisLogarithmic(true);
        for (String line : frontier.lines()) {
            List<Frontier.Stats> stats = frontier.stats(line);
            chart.addSeries(line, stats.stream().mapToDouble(axis::of).toArray(),
                    stats.stream().mapToDouble(Frontier.Stats::meanLoss).toArray(),
                    stats.stream().mapToDouble(Frontier.Stats::sdLoss).toArray());
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * The step of a line's longest run (first seed) furthest above scratch's training loss, where a spike shows: the
     * weights and depth it ran at, its loss and scratch's.
     */
    public record Spike(String line, long step, int weights, int depth, double loss, double scratchLoss) {}

    /** Steps the largest-loss search leaves out: every run starts near the loss of uniform guessing. */
    public static final int SETTLED = 10;

    /** The section "Where growth pays off", in markdown. */
    public String section(String setup, List<SweepPoint> independentCheck, List<Spike> spikes) {
        StringBuilder md = new StringBuilder("## Where growth pays off\n\n").append(setup).append("\n\n");
        appendFrontierTable(md);
        md.append("![loss-compute frontier, FLOPs](").append(FRONTIER_FLOPS).append(")\n\n")
                .append("![loss-compute frontier, training seconds](").append(FRONTIER_WALL).append(")\n\n");
        appendSavings(md, Frontier.Axis.FLOPS, "### Savings in FLOPs at scratch's losses");
        appendSavings(md, Frontier.Axis.WALL, "### Savings in training seconds at scratch's losses");
        appendLeaders(md);
        appendSpikes(md, spikes);
        md.append("### What the measurements show\n\n").append(reading()).append("\n\n");
        if (!independentCheck.isEmpty()) {
            appendIndependentCheck(md, independentCheck);
        }
        return md.toString();
    }

    private void appendFrontierTable(StringBuilder md) {
        md.append("### The frontier\n\nFinal validation loss (nats per token, mean ± standard deviation over seeds) of ")
                .append("each line at each budget, with its mean FLOPs and training seconds.\n\n")
                .append("| line | what | budget (steps) | runs | val loss | FLOPs | train s |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String line : frontier.lines()) {
            for (Frontier.Stats s : frontier.stats(line)) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.4f ± %.4f | %.3e | %.0f |%n", line,
                        descriptions.getOrDefault(line, ""), s.budget(), s.runs(), s.meanLoss(), s.sdLoss(),
                        s.meanFlops(), s.meanSeconds()));
            }
        }
        md.append('\n');
    }

    private void appendSavings(StringBuilder md, Frontier.Axis axis, String title) {
        List<Double> levels = frontier.levels();
        List<Frontier.Stats> scratch = frontier.stats(frontier.scratch());
        md.append(title).append("\n\n")
                .append("Saving = 1 - (the line's cost to first reach the loss) / (scratch's), read off the frontiers ")
                .append("interpolated in log-cost; the speed-up is scratch's cost / the line's, minus 1. ")
                .append("± is the spread over seeds of the same gap between each seed's frontiers; a saving inside ")
                .append("its spread is a tie. \"≥\": the line's smallest budget already reached the loss. ")
                .append("\"not reached\": none of its budgets reached it.\n\n| line |");
        for (int i = 0; i < levels.size(); i++) {
            md.append(String.format(Locale.ROOT, " %.4f (scratch at %d) |", levels.get(i), scratch.get(i).budget()));
        }
        md.append("\n| --- |").append(" --- |".repeat(levels.size())).append('\n');
        for (String line : frontier.methods()) {
            md.append("| ").append(line).append(" |");
            for (double level : levels) {
                md.append(' ').append(cell(frontier.saving(line, level, axis))).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    public static String cell(Frontier.Saving saving) {
        if (saving == null) {
            return "not reached";
        }
        String value = String.format(Locale.ROOT, "%s%.1f%%", saving.atLeast() ? "≥ " : "", 100 * saving.value());
        String spread = Double.isNaN(saving.spread()) ? ""
                : String.format(Locale.ROOT, " ± %.1f", 100 * saving.spread());
        if (saving.tie()) {
            return "tie (" + value + spread + ")";
        }
        return value + spread + String.format(Locale.ROOT, " (speed-up %s%+.0f%%)", saving.atLeast() ? "≥ " : "",
                100 * saving.speedup());
    }

    private void appendLeaders(StringBuilder md) {
        md.append("### Who leads where\n\n");
        List<Frontier.Stats> scratch = frontier.stats(frontier.scratch());
        List<Double> levels = frontier.levels();
        for (int i = 0; i < levels.size(); i++) {
            double level = levels.get(i);
            List<String> leaders = frontier.leaders(level);
            md.append(String.format(Locale.ROOT, "- At loss %.4f (scratch's at %d steps): %s.%n", level,
                    scratch.get(i).budget(), leaders.isEmpty() ? "no method beats scratch beyond the spread"
                            : "ahead of scratch: " + leaders.stream().map(l -> l + " " + cell(frontier.saving(l,
                                    level, Frontier.Axis.FLOPS))).collect(Collectors.joining(", "))));
        }
        for (String line : frontier.methods()) {
            List<Frontier.Crossing> crossings = frontier.crossings(line);
            md.append("- ").append(line).append(crossings.isEmpty() ? ": its frontier never crosses scratch's ("
                    + (aheadAtStart(line) ? "ahead" : "behind") + " over the FLOPs both cover)"
                    : ": crosses scratch's frontier at " + crossings.stream().map(c -> String.format(Locale.ROOT,
                            "%.2e FLOPs (%s above)", c.flops(), c.aheadAfter() ? "ahead" : "behind"))
                            .collect(Collectors.joining(", "))).append(".\n");
        }
        md.append('\n');
    }

    private static void appendSpikes(StringBuilder md, List<Spike> spikes) {
        md.append("### Loss spikes\n\nThe step at which each line's longest run (first seed) was furthest above ")
                .append("scratch's training loss at the same step, after the first ").append(SETTLED)
                .append(" steps, with the weights and depth it ran at. The learning rate and warmup were tuned for ")
                .append("scratch only; a spike far above scratch's in a stage of few weights says that stage wants ")
                .append("its own warmup or rate.\n\n")
                .append("| line | step | N | depth | training loss | scratch's |\n| --- | --- | --- | --- | --- | --- |\n");
        for (Spike spike : spikes) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.4f | %.4f |%n", spike.line(), spike.step(),
                    spike.weights(), spike.depth(), spike.loss(), spike.scratchLoss()));
        }
        md.append('\n');
    }

    /** Whether the line's frontier lies below scratch's at the smallest FLOPs both cover. */
    private boolean aheadAtStart(String line) {
        double from = Math.max(frontier.stats(line).stream().mapToDouble(Frontier.Stats::meanFlops).min().orElseThrow(),
                frontier.stats(frontier.scratch()).stream().mapToDouble(Frontier.Stats::meanFlops).min().orElseThrow());
        OptionalDouble own = frontier.lossAtFlops(line, from);
        OptionalDouble base = frontier.lossAtFlops(frontier.scratch(), from);
        return own.isPresent() && base.isPresent() && own.getAsDouble() < base.getAsDouble();
    }

    /** One plain paragraph of what the figures show, written from them. */
    public String reading() {
        Optional<Frontier.Best> best = frontier.best();
        List<Double> levels = frontier.levels();
        List<Frontier.Stats> scratch = frontier.stats(frontier.scratch());
        List<String> noneAhead = new ArrayList<>();
        List<String> someAhead = new ArrayList<>();
        for (int i = 0; i < levels.size(); i++) {
            String at = String.format(Locale.ROOT, "%.4f (%d steps)", levels.get(i), scratch.get(i).budget());
            (frontier.leaders(levels.get(i)).isEmpty() ? noneAhead : someAhead).add(at);
        }
        StringBuilder text = new StringBuilder();
        if (best.isEmpty()) {
            text.append("No method beats scratch beyond the spread over seeds at any of scratch's losses: at these ")
                    .append("budgets growing the model does not pay off.");
        } else {
            Frontier.Best b = best.get();
            text.append(String.format(Locale.ROOT, "The largest saving is %s's: %s fewer FLOPs than scratch to reach "
                    + "loss %.4f (a speed-up of %+.0f%%).", b.line(), percent(b.saving()), b.level(),
                    100 * b.saving().speedup()));
            text.append(" Some method is ahead of scratch at losses ").append(String.join(", ", someAhead));
            text.append(noneAhead.isEmpty() ? "; at every loss level some method leads."
                    : "; none is at " + String.join(", ", noneAhead) + ".");
            List<Frontier.Crossing> crossings = frontier.crossings(b.line());
            Optional<Frontier.Crossing> falls = crossings.stream().filter(c -> !c.aheadAfter()).findFirst();
            text.append(falls.map(c -> String.format(Locale.ROOT, " %s's lead ends at %.2e FLOPs, where its frontier "
                    + "crosses scratch's.", b.line(), c.flops())).orElse(" " + b.line()
                    + "'s frontier does not fall behind scratch's within the budgets measured."));
        }
        for (String line : frontier.methods()) {
            Frontier.Stats last = frontier.stats(line).get(frontier.stats(line).size() - 1);
            Frontier.Stats lastScratch = scratch.get(scratch.size() - 1);
            text.append(String.format(Locale.ROOT, " At the largest budget %s ends at %.4f ± %.4f against scratch's "
                    + "%.4f ± %.4f, with %.0f%% of its FLOPs.", line, last.meanLoss(), last.sdLoss(),
                    lastScratch.meanLoss(), lastScratch.sdLoss(), 100 * last.meanFlops() / lastScratch.meanFlops()));
        }
        return text.toString();
    }

    private static String percent(Frontier.Saving saving) {
        return String.format(Locale.ROOT, "%s%.1f%%", saving.atLeast() ? "at least " : "", 100 * saving.value());
    }

    private void appendIndependentCheck(StringBuilder md, List<SweepPoint> independent) {
        long budget = independent.get(0).budget();
        md.append(String.format(Locale.ROOT, "### Cooldown branches against independent runs at %d steps%n%n", budget))
                .append("The same line and seed (the first) trained once as a cooldown branch of its trunk (absolute ")
                .append("warmup and stage boundaries) and once independently (warmup and stages scaled to the ")
                .append("budget).\n\n| line | branch loss | independent loss | difference | branch FLOPs | ")
                .append("independent FLOPs |\n| --- | --- | --- | --- | --- | --- |\n");
        for (SweepPoint own : independent) {
            SweepPoint branch = points.stream().filter(p -> p.line().equals(own.line()) && p.seed() == 0
                    && p.budget() == budget).findFirst().orElse(null);
            if (branch == null) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %+.4f | %.3e | %.3e |%n", own.line(),
                    branch.loss(), own.loss(), branch.loss() - own.loss(), branch.flops(), own.flops()));
        }
        md.append('\n');
    }

    /** The closing figures: the best saving, where, by whom, and where that line's lead ends. */
    public void putResult(BenchResult result) {
        Optional<Frontier.Best> best = frontier.best();
        if (best.isEmpty()) {
            result.put("best_flops_saving", "none").put("best_at_loss", "none").put("best_method", "none")
                    .put("crossover_flops", "none");
            return;
        }
        Frontier.Best b = best.get();
        Optional<Frontier.Crossing> falls = frontier.crossings(b.line()).stream().filter(c -> !c.aheadAfter())
                .findFirst();
        result.put("best_flops_saving", b.saving().value()).put("best_at_loss", b.level())
                .put("best_method", b.line())
                .put("crossover_flops", falls.map(c -> (Object) String.format(Locale.ROOT, "%.3e", c.flops()))
                        .orElse("none"))
                .put("best_speedup", b.saving().speedup());
    }
}
