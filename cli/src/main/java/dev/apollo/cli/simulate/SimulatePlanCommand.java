package dev.apollo.cli.simulate;

import com.google.gson.GsonBuilder;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.run.UsageError;
import dev.apollo.sim.ClusterSpec;
import dev.apollo.sim.SchedulePlanner.Estimate;
import dev.apollo.sim.SchedulePlanner;
import dev.apollo.worker.data.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo simulate plan}: FLOPs, wall time and device-hours of the scratch, StackBERT and Apollo schedules of
 * a configured run on a modelled cluster, step by step from the coordinator's own plan.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Predict FLOPs, wall time and device-hours of scratch, StackBERT and Apollo on a modelled cluster.")
public final class SimulatePlanCommand implements Callable<Integer> {

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "tiny", description = "The model and run: tiny (default), gpt-base, bert-base, bert-large.")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set train.batch-size=4096 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--steps", paramLabel = "N", description = "Same as --set train.steps=N.")
    Long steps;

    @Option(names = "--cluster", paramLabel = "SPEC", description = "N x DEVICE[,key=value...]: devices a100, h100, v100; keys tflops, memory-gb, link-gbps, latency-us, mfu. E.g. 1024xa100,link-gbps=400.")
    String cluster;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        if (cluster == null) {
            throw new UsageError("simulate plan: --cluster SPEC is required, e.g. --cluster 1024xa100");
        }
        List<String> all = new ArrayList<>();
        if (steps != null) {
            all.add("train.steps=" + steps);
        }
        all.addAll(overrides);
        ApolloConfig config = Vocabulary.resolve(ConfigLoader.load(preset, null, all));
        ClusterSpec devices;
        List<Estimate> estimates;
        try {
            devices = ClusterSpec.parse(cluster);
            estimates = SchedulePlanner.plan(config, devices);
        } catch (IllegalArgumentException e) {
            throw new UsageError("simulate plan: " + e.getMessage());
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("steps", config.train().steps());
            out.put("tokensPerStep", config.tokensPerStep());
            out.put("cluster", devices);
            out.put("schedules", estimates.stream().map(estimate -> row(estimate, estimates.get(0))).toList());
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(out));
            return 0;
        }
        Estimate scratch = estimates.get(0);
        System.out.printf(Locale.ROOT, "%s: %d steps of %d tokens, %d layers, stages %s; %s%n", preset,
                config.train().steps(), config.tokensPerStep(), config.model().layers(), config.stages().layers(),
                devices.describe());
        System.out.printf(Locale.ROOT, "%d of %d workers own rows of the batch; micro-batches a step: at most %d%n",
                scratch.activeWorkers(), devices.workers(),
                estimates.stream().mapToInt(Estimate::microBatches).max().orElse(1));
        System.out.println("| schedule | FLOPs | vs scratch | wall | device-hours | compute | all-reduce | expansions |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Estimate estimate : estimates) {
            System.out.printf(Locale.ROOT, "| %s | %.3e | %.3f | %s | %,.0f | %s | %s | %s |%n",
                    estimate.schedule().id(), estimate.flops(), estimate.flops() / scratch.flops(),
                    duration(estimate.wallSeconds()), estimate.deviceHours(), duration(estimate.computeSeconds()),
                    duration(estimate.allReduceSeconds()), duration(estimate.expansionSeconds()));
        }
        return 0;
    }

    private static Map<String, Object> row(Estimate estimate, Estimate scratch) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("schedule", estimate.schedule().id());
        row.put("flops", estimate.flops());
        row.put("flopsRatio", estimate.flops() / scratch.flops());
        row.put("wallSeconds", estimate.wallSeconds());
        row.put("deviceHours", estimate.deviceHours());
        row.put("computeSeconds", estimate.computeSeconds());
        row.put("allReduceSeconds", estimate.allReduceSeconds());
        row.put("expansionSeconds", estimate.expansionSeconds());
        row.put("activeWorkers", estimate.activeWorkers());
        row.put("microBatches", estimate.microBatches());
        return row;
    }

    /** Seconds as {@code 12.3 s}, {@code 4.56 min} or {@code 7.89 h}. */
    public static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%.2f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.2f h", seconds / 3600);
    }
}
