package dev.apollo.cli.train;

import com.google.gson.GsonBuilder;
import dev.apollo.cli.ConfigOptions;
import dev.apollo.config.ApolloConfig;
import dev.apollo.coordinator.apollo.StageSchedule;
import dev.apollo.coordinator.core.RunPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code apollo plan}: the run a configuration describes, without training it. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the stage schedule, depth distributions, layer maps and expected FLOPs against scratch.")
public final class PlanCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        ApolloConfig config = configOptions.load();
        RunPlan plan = RunPlan.from(config);
        List<Map<String, Object>> stages = new ArrayList<>();
        double expectedFlops = 0;
        for (int stage = 0; stage < plan.stages().stageCount(); stage++) {
            Map<String, Object> row = stageRow(plan, stage);
            expectedFlops += (double) row.get("expectedFlops");
            stages.add(row);
        }
        if (json) {
            printJson(config, plan, stages, expectedFlops);
        } else {
            printTable(config, plan, stages, expectedFlops);
        }
        return 0;
    }

    /**
     * One stage: its steps, expected depth and FLOPs, the probability and layer map of every depth it samples, and
     * (after the first) the expansion map it starts with.
     */
    private static Map<String, Object> stageRow(RunPlan plan, int stage) {
        StageSchedule schedule = plan.stages();
        int weights = schedule.weights(stage);
        double[] probabilities = plan.sampler().probabilities(weights);
        Map<String, Double> depthProbabilities = new LinkedHashMap<>();
        Map<String, List<Integer>> layerMaps = new LinkedHashMap<>();
        for (int depth = 0; depth < probabilities.length; depth++) {
            if (probabilities[depth] > 0) {
                depthProbabilities.put(Integer.toString(depth), probabilities[depth]);
                layerMaps.put(Integer.toString(depth), plan.sharingMap(weights, depth));
            }
        }
        long steps = schedule.endStep(stage) - schedule.startStep(stage);
        double expectedDepth = plan.sampler().expectedDepth(weights);
        double stageFlops = steps * plan.flops().expectedStepFlops(expectedDepth);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("stage", stage);
        row.put("weights", weights);
        row.put("startStep", schedule.startStep(stage));
        row.put("endStep", schedule.endStep(stage));
        row.put("expectedDepth", expectedDepth);
        row.put("expectedFlops", stageFlops);
        row.put("depthProbabilities", depthProbabilities);
        row.put("layerMaps", layerMaps);
        if (stage > 0) {
            row.put("expansionMap", plan.expansionMap(schedule.weights(stage - 1), weights));
        }
        return row;
    }

    private static void printJson(ApolloConfig config, RunPlan plan, List<Map<String, Object>> stages,
            double expectedFlops) {
        double scratchFlops = plan.scratchFlops();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps", plan.totalSteps());
        out.put("layers", plan.totalLayers());
        out.put("tokensPerStep", plan.tokensPerStep());
        out.put("sampler", config.sampler().kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        out.put("stages", stages);
        out.put("expectedFlops", expectedFlops);
        out.put("scratchFlops", scratchFlops);
        out.put("expectedFlopsRatio", expectedFlops / scratchFlops);
        System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(out));
    }

    private static void printTable(ApolloConfig config, RunPlan plan, List<Map<String, Object>> stages,
            double expectedFlops) {
        double scratchFlops = plan.scratchFlops();
        System.out.printf(Locale.ROOT, "%d steps of %d tokens, %d layers, sampler %s (k=%s), sharing %s, expansion %s%n",
                plan.totalSteps(), plan.tokensPerStep(), plan.totalLayers(), config.sampler().kind(), config.sampler().k(),
                config.stages().sharing(), config.stages().expansion());
        for (Map<String, Object> row : stages) {
            System.out.printf(Locale.ROOT, "stage %s: N=%s steps [%s, %s) E[depth]=%.3f FLOPs %.3e%n", row.get("stage"),
                    row.get("weights"), row.get("startStep"), row.get("endStep"), (double) row.get("expectedDepth"),
                    (double) row.get("expectedFlops"));
            if (row.containsKey("expansionMap")) {
                System.out.println("  expansion copy map (new slot <- old slot): " + row.get("expansionMap"));
            }
            @SuppressWarnings("unchecked")
            Map<String, Double> probabilities = (Map<String, Double>) row.get("depthProbabilities");
            @SuppressWarnings("unchecked")
            Map<String, List<Integer>> maps = (Map<String, List<Integer>>) row.get("layerMaps");
            probabilities.forEach((depth, p) -> System.out.printf(Locale.ROOT, "  depth %2s  p=%.4f  map %s%n", depth, p,
                    maps.get(depth)));
        }
        System.out.printf(Locale.ROOT, "expected FLOPs %.4e, scratch %.4e, ratio %.3f%n", expectedFlops, scratchFlops,
                expectedFlops / scratchFlops);
    }
}
