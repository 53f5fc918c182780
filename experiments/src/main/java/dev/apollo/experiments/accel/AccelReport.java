package dev.apollo.experiments.accel;

import dev.apollo.config.TrainingMethod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Writes {@code results.csv} and {@code report.md} for an acceleration run: a table like the paper's Table 3, a
 * ranking like its Figures 6 and 7, the expansions (Tables 2 and 3), losses at equal FLOPs, the plots, and the exact
 * command and configuration. Savings are 1 - (FLOPs, or training seconds, at which a method first reaches
 * scratch's final validation loss) / scratch's total; "none" where a method never reaches it, "n/a" for every
 * method when scratch never left the unigram plateau (its final loss is then no target worth reaching).
 */
public final class AccelReport {

    public static final String RESULTS_CSV = "results.csv";
    public static final String REPORT_MD = "report.md";

    private final List<AccelResult> results;
    private final AccelResult scratch;
    private final double unigramEntropy;

    /** {@code unigramEntropy}: the validation loss of token frequencies alone ({@link UnigramBaseline}). */
    public AccelReport(List<AccelResult> results, double unigramEntropy) {
        this.results = results;
        this.scratch = results.stream().filter(r -> r.method() == TrainingMethod.SCRATCH).findFirst().orElse(null);
        this.unigramEntropy = unigramEntropy;
    }

    /** Scratch ran and never learned more than token frequencies: there is no meaningful target. */
    public boolean scratchOnPlateau() {
        return scratch != null && UnigramBaseline.onPlateau(scratch.finalLoss(), unigramEntropy);
    }

    /**
     * A saving exists for {@code result} only against a scratch run that learned, and not for scratch itself (its own
     * noisy curve may touch its final loss earlier).
     */
    private boolean measuredAgainstScratch(AccelResult result) {
        return scratch != null && result != scratch && !scratchOnPlateau();
    }

    /** The saving in FLOPs of {@code result} against scratch; empty where there is none to measure or never reached. */
    public OptionalDouble flopsSaving(AccelResult result) {
        if (!measuredAgainstScratch(result)) {
            return OptionalDouble.empty();
        }
        OptionalDouble reached = result.flopsToReach(scratch.finalLoss());
        return reached.isPresent() ? OptionalDouble.of(1 - reached.getAsDouble() / scratch.totalFlops()) : reached;
    }

    public OptionalDouble wallSaving(AccelResult result) {
        if (!measuredAgainstScratch(result)) {
            return OptionalDouble.empty();
        }
        OptionalDouble reached = result.secondsToReach(scratch.finalLoss());
        return reached.isPresent() ? OptionalDouble.of(1 - reached.getAsDouble() / scratch.trainSeconds()) : reached;
    }

    /**
     * The FLOPs saving of {@code result} against the loss scratch had after {@code fraction} of its FLOPs; empty
     * where it never reaches that loss (or there is no meaningful scratch run).
     */
    public OptionalDouble savingAt(AccelResult result, double fraction) {
        if (!measuredAgainstScratch(result)) {
            return OptionalDouble.empty();
        }
        double budget = fraction * scratch.totalFlops();
        OptionalDouble reached = result.flopsToReach(scratchLossAt(fraction));
        return reached.isPresent() ? OptionalDouble.of(1 - reached.getAsDouble() / budget) : reached;
    }

    private double scratchLossAt(double fraction) {
        return scratch.lossAtFlops(fraction * scratch.totalFlops()).orElse(scratch.finalLoss());
    }

    public void writeCsv(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder(
                "method,steps,final_val_loss,total_flops,flops_ratio_to_scratch,flops_saving,train_seconds,wall_saving\n");
        for (AccelResult r : results) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.6e,%s,%s,%.3f,%s%n", r.method().id(),
                    r.steps().size(), r.finalLoss(), r.totalFlops(),
                    scratch == null ? "" : String.format(Locale.ROOT, "%.4f", r.totalFlops() / scratch.totalFlops()),
                    r == scratch ? "" : text(flopsSaving(r)), r.trainSeconds(), r == scratch ? "" : text(wallSaving(r))));
        }
        Files.writeString(dir.resolve(RESULTS_CSV), csv, StandardCharsets.UTF_8);
    }

    public void writeMarkdown(Path dir, String command, String config, List<String> histogramFiles) throws IOException {
        StringBuilder md = new StringBuilder("# Acceleration benchmark\n\n");
        md.append("Command:\n\n```\n").append(command).append("\n```\n\n");
        appendTarget(md);
        appendResults(md);
        appendRanking(md);
        appendExpansions(md);
        appendLossAtEqualFlops(md);
        appendSavingsAtEarlierLosses(md);
        appendPlots(md, histogramFiles);
        md.append("## Configuration (shared by every method; each method's overrides are in its own directory)\n\n```\n")
                .append(config).append("```\n");
        Files.writeString(dir.resolve(REPORT_MD), md, StandardCharsets.UTF_8);
    }

    /** The target every saving is measured against, the unigram baseline, and a warning if scratch never left it. */
    private void appendTarget(StringBuilder md) {
        if (scratch != null) {
            md.append(String.format(Locale.ROOT, "Target: scratch's final validation loss, %.4f nats/byte at the full "
                    + "depth, after %.3e FLOPs and %.0f training seconds.%n%n", scratch.finalLoss(), scratch.totalFlops(),
                    scratch.trainSeconds()));
        }
        md.append(String.format(Locale.ROOT, "Unigram baseline (the loss of token frequencies alone on the validation "
                + "targets): %.4f.%n%n", unigramEntropy));
        if (scratchOnPlateau()) {
            md.append(String.format(Locale.ROOT, "**Scratch never left the unigram plateau** (final loss %.4f, not below "
                    + "%.0f%% of %.4f): it learned token frequencies only, so no saving is measured against it (n/a). "
                    + "Tune the learning rate or warmup until scratch learns, then compare.%n%n", scratch.finalLoss(),
                    100 * UnigramBaseline.PLATEAU_SHARE, unigramEntropy));
        }
    }

    private void appendResults(StringBuilder md) {
        md.append("## Results (as the paper's Table 3)\n\n");
        md.append("| method | what | final val loss | FLOPs | FLOPs / scratch | FLOPs saving | train s | wall saving |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (AccelResult r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.3e | %s | %s | %.0f | %s |%n", r.method().id(),
                    r.method().description(), r.finalLoss(), r.totalFlops(),
                    scratch == null ? "-" : String.format(Locale.ROOT, "%.3f", r.totalFlops() / scratch.totalFlops()),
                    r == scratch ? "-" : percent(flopsSaving(r)), r.trainSeconds(),
                    r == scratch ? "-" : percent(wallSaving(r))));
        }
        md.append("\nSaving = 1 - (FLOPs or training seconds at which a method first reaches scratch's final validation ")
                .append("loss, interpolated between evaluations) / scratch's total. \"none\": never reached within its ")
                .append("schedule. Training seconds leave out evaluations and checkpoints.\n\n");
    }

    private void appendRanking(StringBuilder md) {
        md.append("## Ranking (as the paper's Figures 6 and 7)\n\n");
        List<AccelResult> ranked = results.stream().filter(r -> r.method() != TrainingMethod.SCRATCH)
                .sorted(Comparator.comparingDouble((AccelResult r) -> flopsSaving(r).orElse(Double.NEGATIVE_INFINITY))
                        .reversed().thenComparingDouble(AccelResult::finalLoss))
                .toList();
        int rank = 1;
        for (AccelResult r : ranked) {
            md.append(String.format(Locale.ROOT, "%d. %s: FLOPs saving %s, final loss %.4f%n", rank++, r.method().id(),
                    percent(flopsSaving(r)), r.finalLoss()));
        }
        md.append("\nMethods that never reach the target are ordered by final loss.\n\n");
    }

    private void appendExpansions(StringBuilder md) {
        md.append("## Expansions (as the paper's Tables 2 and 3)\n\n");
        md.append("Training loss and gradient norm (before clipping) on the last step before and the first step after ")
                .append("each expansion (at that step's sampled depth).\n\n");
        md.append("| method | step | N | loss before | loss after | grad norm before | grad norm after |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (AccelResult r : results) {
            for (AccelResult.Expansion e : r.expansions()) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %d -> %d | %.4f | %.4f | %.4f | %.4f |%n",
                        r.method().id(), e.step(), e.weightsBefore(), e.weightsAfter(), e.lossBefore(), e.lossAfter(),
                        e.gradNormBefore(), e.gradNormAfter()));
            }
        }
    }

    /** Every method's validation loss at fractions of scratch's FLOPs; nothing without a scratch run. */
    private void appendLossAtEqualFlops(StringBuilder md) {
        if (scratch == null) {
            return;
        }
        md.append("\n## Validation loss at equal FLOPs\n\n| FLOPs |");
        results.forEach(r -> md.append(' ').append(r.method().id()).append(" |"));
        md.append("\n| --- |");
        results.forEach(r -> md.append(" --- |"));
        md.append('\n');
        for (double fraction : new double[] {0.1, 0.25, 0.5, 0.75, 1.0}) {
            double flops = fraction * scratch.totalFlops();
            md.append(String.format(Locale.ROOT, "| %.2e |", flops));
            for (AccelResult r : results) {
                OptionalDouble loss = r.lossAtFlops(flops);
                md.append(loss.isPresent() ? String.format(Locale.ROOT, " %.4f |", loss.getAsDouble()) : " - |");
            }
            md.append('\n');
        }
    }

    /** Each method's FLOPs saving against the losses scratch had at fractions of its FLOPs ({@link #savingAt}). */
    private void appendSavingsAtEarlierLosses(StringBuilder md) {
        if (scratchOnPlateau()) {
            md.append("\n## Savings against scratch's earlier losses\n\nn/a: scratch never left the unigram plateau.\n");
        } else if (scratch != null) {
            md.append("\n## Savings against scratch's earlier losses\n\n")
                    .append("The FLOPs saving against the loss scratch had after a fraction of its FLOPs: 1 - (FLOPs at ")
                    .append("which the method first reaches that loss) / (that fraction of scratch's FLOPs). At 1.00 ")
                    .append("it is the headline saving. A schedule that anneals only at its end reaches its lowest ")
                    .append("losses only there, so the earlier columns show where a method is ahead along the way.\n\n")
                    .append("| method |");
            double[] fractions = {0.25, 0.5, 0.75, 1.0};
            for (double fraction : fractions) {
                md.append(String.format(Locale.ROOT, " %.2f (loss %.4f) |", fraction, scratchLossAt(fraction)));
            }
            md.append("\n| --- |").append(" --- |".repeat(fractions.length)).append('\n');
            for (AccelResult r : results) {
                if (r == scratch) {
                    continue;
                }
                md.append("| ").append(r.method().id()).append(" |");
                for (double fraction : fractions) {
                    md.append(' ').append(percent(savingAt(r, fraction))).append(" |");
                }
                md.append('\n');
            }
        }
    }

    private static void appendPlots(StringBuilder md, List<String> histogramFiles) {
        md.append("\n## Plots\n\n![validation loss vs FLOPs](").append(AccelPlots.LOSS_VS_FLOPS).append(")\n\n")
                .append("![validation loss vs training seconds](").append(AccelPlots.LOSS_VS_WALL).append(")\n\n");
        for (String file : histogramFiles) {
            md.append("![").append(file).append("](").append(file).append(")\n\n");
        }
    }

    /** The CSV and RESULT spelling of a saving: a fraction, "none" where never reached, "n/a" without a target. */
    public String text(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.4f", value.getAsDouble()) : missing();
    }

    private String percent(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.1f%%", 100 * value.getAsDouble()) : missing();
    }

    private String missing() {
        return scratchOnPlateau() ? "n/a" : "none";
    }
}
