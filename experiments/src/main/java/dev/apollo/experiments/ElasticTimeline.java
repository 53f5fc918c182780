package dev.apollo.experiments;

import com.google.gson.JsonObject;
import dev.apollo.run.MetricsLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A coordinator's {@code metrics.jsonl} rows as {@code apollo bench elastic} reads them, beside the moments the
 * bench itself noted (a worker process launched, a worker killed), all in seconds since the epoch: what a join and a
 * recovery took, and how long an undisturbed step takes. Rows are added as the run writes them; a figure is there
 * once the rows that end it are.
 */
public final class ElasticTimeline {

    /**
     * A worker process launched at {@code launch}: the coordinator offered it a place (its join request seen),
     * it accepted, it was admitted with a copy of the state, and {@code firstStep} is the end of its first step.
     */
    public record Join(String workerId, double launch, double offered, double accepted, double admitted, double firstStep) {

        /** From the join request to the new worker's first step. */
        public double seconds() {
            return firstStep - offered;
        }
    }

    /** A worker killed at {@code kill}: declared lost at {@code lost}, the run's next step ended at {@code firstStep}. */
    public record Recovery(String workerId, double kill, double lost, double firstStep) {

        /** From the kill to the first step completed after it. */
        public double seconds() {
            return firstStep - kill;
        }
    }

    private final List<JsonObject> rows = new ArrayList<>();

    public void add(JsonObject row) {
        rows.add(row);
    }

    /** Steps whose {@code train} row was written at or after {@code time}. */
    public int stepsSince(double time) {
        return (int) rows.stream().filter(row -> isTrain(row) && time(row) >= time).count();
    }

    /** The id the coordinator gave the first worker it offered a place at or after {@code time}. */
    public Optional<String> offeredSince(double time) {
        int offered = firstWorkerEvent("offered", null, time, 0);
        return offered < 0 ? Optional.empty() : Optional.of(rows.get(offered).get("worker").getAsString());
    }

    /** The join of the worker process launched at {@code launch}, once it took its first step. */
    public Optional<Join> join(double launch) {
        int offered = firstWorkerEvent("offered", null, launch, 0);
        if (offered < 0) {
            return Optional.empty();
        }
        String id = rows.get(offered).get("worker").getAsString();
        int accepted = firstWorkerEvent("joined", id, launch, offered);
        int admitted = accepted < 0 ? -1 : firstWorkerEvent("admitted", id, launch, accepted);
        int firstStep = admitted < 0 ? -1 : firstTrain(admitted);
        if (firstStep < 0) {
            return Optional.empty();
        }
        return Optional.of(new Join(id, launch, time(rows.get(offered)), time(rows.get(accepted)),
                time(rows.get(admitted)), time(rows.get(firstStep))));
    }

    /** The recovery from killing {@code workerId} at {@code kill}, once the run completed a step after its loss. */
    public Optional<Recovery> recovery(String workerId, double kill) {
        int lost = firstWorkerEvent("lost", workerId, kill, 0);
        int firstStep = lost < 0 ? -1 : firstTrain(lost);
        if (firstStep < 0) {
            return Optional.empty();
        }
        return Optional.of(new Recovery(workerId, kill, time(rows.get(lost)), time(rows.get(firstStep))));
    }

    /**
     * The median seconds between consecutive steps taken by {@code workers} workers, leaving out the first
     * {@code warmupSteps} steps of the run and every interval that overlaps a join (launch to first step) or a
     * recovery (kill to first step after it): the step time of an undisturbed run.
     */
    public OptionalDouble medianStepSeconds(int workers, int warmupSteps, List<Join> joins, List<Recovery> recoveries) {
        List<Double> intervals = new ArrayList<>();
        int members = 0;
        JsonObject previous = null;
        for (JsonObject row : rows) {
            if (row.get("type").getAsString().equals(MetricsLog.WORKER)) {
                switch (row.get("event").getAsString()) {
                    case "joined" -> members++;
                    case "released", "lost" -> members--;
                    default -> { }
                }
            } else if (isTrain(row)) {
                if (previous != null && previous.get("step").getAsLong() >= warmupSteps && members == workers
                        && undisturbed(time(previous), time(row), joins, recoveries)) {
                    intervals.add(time(row) - time(previous));
                }
                previous = row;
            }
        }
        return median(intervals.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public static OptionalDouble median(double[] values) {
        if (values.length == 0) {
            return OptionalDouble.empty();
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return OptionalDouble.of(sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2);
    }

    private static boolean undisturbed(double from, double to, List<Join> joins, List<Recovery> recoveries) {
        for (Join join : joins) {
            if (from < join.firstStep() && to > join.launch()) {
                return false;
            }
        }
        for (Recovery recovery : recoveries) {
            if (from < recovery.firstStep() && to > recovery.kill()) {
                return false;
            }
        }
        return true;
    }

    /** The index of the first {@code event} row (of {@code workerId}, or any worker's) from index {@code from} on. */
    private int firstWorkerEvent(String event, String workerId, double notBefore, int from) {
        for (int i = from; i < rows.size(); i++) {
            JsonObject row = rows.get(i);
            if (row.get("type").getAsString().equals(MetricsLog.WORKER) && row.get("event").getAsString().equals(event)
                    && (workerId == null || row.get("worker").getAsString().equals(workerId))
                    && time(row) >= notBefore) {
                return i;
            }
        }
        return -1;
    }

    private int firstTrain(int after) {
        for (int i = after + 1; i < rows.size(); i++) {
            if (isTrain(rows.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isTrain(JsonObject row) {
        return row.get("type").getAsString().equals(MetricsLog.TRAIN);
    }

    private static double time(JsonObject row) {
        return row.get("time").getAsDouble();
    }
}
