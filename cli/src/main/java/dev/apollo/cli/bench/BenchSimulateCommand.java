package dev.apollo.cli.bench;

import dev.apollo.cli.simulate.SimulatePlanCommand;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.experiments.BenchResult;
import dev.apollo.run.UsageError;
import dev.apollo.sim.ClusterSpec;
import dev.apollo.sim.CoreFactory;
import dev.apollo.sim.FaultKind;
import dev.apollo.sim.Scenario;
import dev.apollo.sim.SchedulePlanner.Estimate;
import dev.apollo.sim.SchedulePlanner;
import dev.apollo.sim.Sweep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo bench simulate}: how fast the simulator runs (events a second on one thread, every invariant checked,
 * every fault on) and how long planning a 1024-worker, 100,000-step gpt-base run takes.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulated events per second, and the wall time of a 1024-worker, 100,000-step plan.")
final class BenchSimulateCommand implements Callable<Integer> {

    /** The planned run: gpt-base at four sequences (4M tokens) a step per worker of 1024 A100s. */
    static final List<String> PLAN_RUN = List.of("train.steps=100000", "train.batch-size=4096");
    static final String PLAN_CLUSTER = "1024xa100";

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "400", description = "Seeds timed (default 400), after as many again to warm up.")
    int seeds;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Timings of each figure; the best counts (default 3).")
    int rounds;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path json;

    @Override
    public Integer call() throws IOException {
        if (seeds < 1 || rounds < 1) {
            throw new UsageError("bench simulate: --seeds and --rounds must be >= 1");
        }
        Scenario scenario = Scenario.of(ConfigLoader.load("tiny", null, List.of("train.steps=200",
                "train.checkpoint-every=25", "train.seed=1")), 4, FaultKind.parse("all"));
        System.out.println("simulating: tiny, 4 workers, 200 steps, every fault, all invariants checked, one thread");
        Sweep.run(1, seeds, scenario::withSeed, CoreFactory.real(), 1); // warm-up: the JIT compiles the hot paths
        double eventsPerSecond = 0;
        for (int round = 0; round < rounds; round++) {
            long start = System.nanoTime();
            List<Sweep.Outcome> outcomes = Sweep.run(seeds + 1, 2L * seeds, scenario::withSeed, CoreFactory.real(), 1);
            double seconds = (System.nanoTime() - start) / 1e9;
            long events = outcomes.stream().mapToLong(Sweep.Outcome::events).sum();
            long failed = outcomes.stream().filter(Sweep.Outcome::failed).count();
            System.out.printf(Locale.ROOT, "  %d runs, %,d events in %.2f s: %,.0f events/s, %d with violations%n",
                    outcomes.size(), events, seconds, events / seconds, failed);
            eventsPerSecond = Math.max(eventsPerSecond, events / seconds);
        }

        ApolloConfig gptBase = ConfigLoader.load("gpt-base", null, PLAN_RUN);
        ClusterSpec cluster = ClusterSpec.parse(PLAN_CLUSTER);
        System.out.println("planning: gpt-base, " + String.join(", ", PLAN_RUN) + ", " + cluster.describe());
        double planSeconds = Double.MAX_VALUE;
        List<Estimate> estimates = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            long start = System.nanoTime();
            estimates = SchedulePlanner.plan(gptBase, cluster);
            planSeconds = Math.min(planSeconds, (System.nanoTime() - start) / 1e9);
        }
        for (Estimate estimate : estimates) {
            System.out.printf(Locale.ROOT, "  %-9s %.3e FLOPs, %s wall, %,.0f device-hours%n",
                    estimate.schedule().id(), estimate.flops(), SimulatePlanCommand.duration(estimate.wallSeconds()),
                    estimate.deviceHours());
        }
        System.out.printf(Locale.ROOT, "  planned in %.3f s%n", planSeconds);
        new BenchResult().put("events_per_s", Math.round(eventsPerSecond)).put("plan_1024_wall_s", planSeconds)
                .emit(System.out, json);
        return 0;
    }
}
