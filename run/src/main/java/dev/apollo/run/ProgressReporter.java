package dev.apollo.run;

import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.StepRecord;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run's progress: a progress bar with loss, depth and tokens/s on a terminal (its ETA from the bar), plain
 * log lines about a hundred times a run otherwise (CI logs, pipes).
 */
final class ProgressReporter implements AutoCloseable {

    private final long totalSteps;
    private final PrintStream out;
    private final ProgressBar bar;
    private final long lineEvery;
    private final long startNanos = System.nanoTime();
    private final long startTokens;
    private boolean closed;
    private volatile String account = "1 worker";

    ProgressReporter(long firstStep, long totalSteps, long startTokens, PrintStream out) {
        this.totalSteps = totalSteps;
        this.out = out;
        this.startTokens = startTokens;
        this.lineEvery = Math.max(1, totalSteps / 100);
        this.bar = System.console() == null ? null : new ProgressBarBuilder().setTaskName("train")
                .setInitialMax(totalSteps).startsFrom(firstStep, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build();
    }

    /** How many workers the run has now, and what disturbed it so far. */
    void account(String text) {
        account = text;
    }

    void onStep(StepRecord r) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double tokensPerSecond = (r.tokens() - startTokens) / Math.max(seconds, 1e-9);
        if (bar != null) {
            bar.stepTo(r.stepsDone());
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f N=%d depth %d %.0f tok/s %s", r.loss(),
                    r.weights(), r.depth(), tokensPerSecond, account));
        } else if (r.stepsDone() % lineEvery == 0 || r.stepsDone() == totalSteps) {
            out.printf(Locale.ROOT, "step %d/%d stage %d N=%d depth %d loss %.4f lr %.2e %.0f tok/s %s%n",
                    r.stepsDone(), totalSteps, r.stage(), r.weights(), r.depth(), r.loss(), r.lr(), tokensPerSecond,
                    account);
        }
    }

    void onValidation(RecordValidation v) {
        String line = String.format(Locale.ROOT, "validation after step %d: loss %.4f at full depth, %.4f at depth %d",
                v.stepsDone(), v.fullDepthLoss(), v.stageDepthLoss(), v.weights());
        if (bar == null) {
            out.println(line);
        }
    }

    @Override
    public void close() {
        if (bar != null && !closed) {
            bar.close();
        }
        closed = true;
    }
}
