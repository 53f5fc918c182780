package dev.apollo.run;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What disturbed a run and what it cost: joins, leaves, losses, re-run steps, skipped steps, restarts and the seconds
 * lost to them.
 * It is read off metrics.jsonl's event rows, which a resumed run carries over, so it spans every restart of the run.
 */
final class RunAccount {

    private int joined;
    private int left;
    private int lost;
    private int rerunSteps;
    private int restarts;
    private int skippedSteps;
    private double lostSeconds;

    /** Counts one row of metrics.jsonl; rows that are not events count nothing. */
    synchronized void add(JsonObject row) {
        switch (row.get("type").getAsString()) {
            case MetricsLog.WORKER -> {
                switch (row.get("event").getAsString()) {
                    case "joined" -> joined++;
                    case "released" -> left++;
                    case "lost" -> lost++;
                    default -> { } // offers and admissions are timing marks, not counts
                }
            }
            case MetricsLog.RERUN -> {
                rerunSteps++;
                lostSeconds += row.get("lostSeconds").getAsDouble();
            }
            case MetricsLog.SKIPPED -> skippedSteps++;
            case MetricsLog.RESTART -> {
                restarts++;
                lostSeconds += row.get("lostSeconds").getAsDouble();
            }
            default -> { }
        }
    }

    /** summary.json's {@code workers} object. */
    synchronized Map<String, Object> summary() {
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("joined", joined);
        counts.put("left", left);
        counts.put("lost", lost);
        counts.put("rerunSteps", rerunSteps);
        counts.put("skippedSteps", skippedSteps);
        counts.put("restarts", restarts);
        counts.put("lostSeconds", Math.round(lostSeconds * 1000) / 1000.0);
        return counts;
    }

    /** The progress line's account: the worker count now, then whatever went wrong so far. */
    synchronized String progressText(int workers) {
        List<String> parts = new ArrayList<>();
        if (left > 0) {
            parts.add(left + " left");
        }
        if (lost > 0) {
            parts.add(lost + " lost");
        }
        if (rerunSteps > 0) {
            parts.add(rerunSteps + " re-run");
        }
        if (skippedSteps > 0) {
            parts.add(skippedSteps + " skipped");
        }
        if (restarts > 0) {
            parts.add(restarts + (restarts == 1 ? " restart" : " restarts"));
        }
        if (lostSeconds > 0) {
            parts.add(String.format(Locale.ROOT, "%.0f s lost", lostSeconds));
        }
        String count = workers == 1 ? "1 worker" : workers + " workers";
        return parts.isEmpty() ? count : count + " (" + String.join(", ", parts) + ")";
    }
}
