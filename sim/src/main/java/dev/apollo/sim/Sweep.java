package dev.apollo.sim;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

/**
 * Runs the scenarios of seeds {@code from..to} (inclusive) and gathers what broke. Seeds run on several threads,
 * each run alone on its own, so the outcome of every seed is what a replay of it gives.
 */
public final class Sweep {

    /** One seed's run, as a sweep keeps it: its seed and starting workers replay it. */
    public record Outcome(long seed, int workers, long events, long violationCount, List<Violation> violations,
            SimulationStats stats) {

        public boolean failed() {
            return violationCount > 0;
        }
    }

    private Sweep() {}

    /** The outcomes in seed order. */
    public static List<Outcome> run(long from, long to, LongFunction<Scenario> scenarioOfSeed, CoreFactory cores,
            int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "sim-sweep");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Outcome>> pending = new ArrayList<>();
            for (long seed = from; seed <= to; seed++) {
                long current = seed;
                pending.add(pool.submit(() -> outcome(current, scenarioOfSeed.apply(current), cores)));
                if (seed == Long.MAX_VALUE) {
                    break;
                }
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> outcome : pending) {
                outcomes.add(outcome.get());
            }
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the sweep was interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static Outcome outcome(long seed, Scenario scenario, CoreFactory cores) {
        SimulationResult result = Simulation.run(scenario, cores, false);
        return new Outcome(seed, scenario.workers(), result.events(), result.violationCount(), result.violations(),
                result.stats());
    }

    /** Faults of each kind over all the outcomes. */
    public static Map<FaultKind, Long> faultTotals(List<Outcome> outcomes) {
        Map<FaultKind, Long> totals = new EnumMap<>(FaultKind.class);
        for (Outcome outcome : outcomes) {
            outcome.stats().faults().forEach((kind, count) -> totals.merge(kind, (long) count, Long::sum));
        }
        return totals;
    }
}
