package dev.apollo.cli.bench.accel;

import dev.apollo.cli.ConfigOptions;
import dev.apollo.cli.Corpus;
import dev.apollo.cli.UsageError;
import dev.apollo.cli.bench.BenchResult;
import dev.apollo.cli.train.EmbeddedRun;
import dev.apollo.cli.train.MetricsLog;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.worker.data.BatchSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code apollo bench accel}: scratch, StackBERT, Apollo and the paper's ablations trained one after another on the
 * same data, shape, optimizer, schedule, seed and token budget; reports how much compute (FLOPs and training time)
 * each needs to reach scratch's final validation loss.
 */
@Command(name = "accel", mixinStandardHelpOptions = true,
        description = "Apollo against scratch and StackBERT (and the ablations): savings in FLOPs and time, with a report.")
public final class BenchAccelCommand implements Callable<Integer> {

    /** The tiny preset's budget: scratch, StackBERT and Apollo together take about 40 minutes on 2 cores. */
    private static final long DEFAULT_STEPS = 3000;
    private static final long QUICK_STEPS = 24;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--objective", paramLabel = "gpt|bert", description = "Training objective (default: the preset's).")
    String objective;

    @Option(names = "--methods", paramLabel = "M,...", split = ",", defaultValue = "scratch,stackbert,apollo",
            description = "Methods, in order: scratch, stackbert, apollo, apollo-s, apollo-nosample, us, es, fs "
                    + "(default scratch,stackbert,apollo). Savings need scratch.")
    List<String> methods;

    @Option(names = "--out", paramLabel = "DIR", description = "Report directory (default runs/accel-<date-time>).")
    Path out;

    @Option(names = "--quick", description = "A few steps of every chosen method: checks the pipeline and that the report is complete, not the numbers.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the RESULT figures as JSON to FILE.")
    Path json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<AccelMethod> chosen = new ArrayList<>();
        for (String name : methods) {
            AccelMethod method = AccelMethod.named(name);
            if (chosen.contains(method)) {
                throw new UsageError("method " + method.id() + " is listed twice");
            }
            chosen.add(method);
        }
        ApolloConfig base = baseConfig();
        BatchSource data = Corpus.load(base);
        Path dir = out != null ? out
                : Path.of("runs", "accel-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir.resolve(AccelReport.RESULTS_CSV)) || Files.exists(dir.resolve(AccelReport.REPORT_MD))) {
            throw new UsageError(dir + " already holds a benchmark report; choose another --out");
        }
        List<ApolloConfig> configs = new ArrayList<>();
        for (AccelMethod method : chosen) {
            configs.add(methodConfig(base, method)); // every method's configuration is valid before anything runs
        }
        Files.createDirectories(dir);
        String rendered = ConfigLoader.render(base);
        Files.writeString(dir.resolve("config.conf"), rendered, StandardCharsets.UTF_8);

        List<AccelResult> results = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            results.add(runMethod(chosen.get(i), configs.get(i), data, dir.resolve(chosen.get(i).id())));
        }

        double unigram = UnigramBaseline.entropy(data, base.train().batchSize(), base.train().evalBatches());
        AccelReport report = new AccelReport(results, unigram);
        report.writeCsv(dir);
        AccelPlots.lossCurves(results, dir);
        List<String> histograms = AccelPlots.depthHistograms(results, dir);
        report.writeMarkdown(dir, commandLine(), rendered, histograms);
        checkComplete(dir, chosen, histograms);

        BenchResult result = new BenchResult();
        List<AccelResult> headlineFirst = new ArrayList<>(results); // apollo's and stackbert's savings lead the line
        headlineFirst.sort(java.util.Comparator.comparingInt(r -> r.method() == AccelMethod.APOLLO ? 0
                : r.method() == AccelMethod.STACKBERT ? 1 : 2));
        for (AccelResult r : headlineFirst) {
            String key = r.method().id().replace('-', '_');
            if (r.method() != AccelMethod.SCRATCH) {
                result.put(key + "_flops_saving", report.text(report.flopsSaving(r)));
                result.put(key + "_wall_saving", report.text(report.wallSaving(r)));
            }
            result.put(key + "_final_val", r.finalLoss());
        }
        result.put("unigram_loss", unigram).put("scratch_on_plateau", report.scratchOnPlateau());
        System.out.println("report: " + dir.resolve(AccelReport.REPORT_MD));
        result.emit(System.out, json);
        return 0;
    }

    private ApolloConfig baseConfig() {
        return configOptions.load(List.of("train.steps=" + DEFAULT_STEPS), forcedOverrides());
    }

    /** Overrides every method shares, over the user's options: the objective, quick mode, no mid-run checkpoints. */
    private List<String> forcedOverrides() {
        List<String> forced = new ArrayList<>(List.of("train.checkpoint-every=0"));
        if (objective != null) {
            String name = objective.toLowerCase(Locale.ROOT);
            if (!name.equals("gpt") && !name.equals("bert")) {
                throw new UsageError("--objective " + objective + ": must be gpt or bert");
            }
            forced.add("model.objective=" + name);
            if (name.equals("bert")) {
                forced.add("model.vocab-size=260");
            }
        }
        if (quick) {
            forced.addAll(List.of("train.steps=" + QUICK_STEPS, "train.eval-every=6", "train.eval-batches=2"));
        }
        return forced;
    }

    private ApolloConfig methodConfig(ApolloConfig base, AccelMethod method) {
        List<String> overrides = new ArrayList<>(forcedOverrides());
        overrides.addAll(method.overrides(base.model().layers()));
        return configOptions.load(List.of("train.steps=" + DEFAULT_STEPS), overrides);
    }

    private static AccelResult runMethod(AccelMethod method, ApolloConfig config, BatchSource data, Path dir)
            throws Exception {
        Files.createDirectories(dir);
        String rendered = ConfigLoader.render(config);
        Files.writeString(dir.resolve("config.conf"), rendered, StandardCharsets.UTF_8);
        RunPlan plan = RunPlan.from(config);
        System.out.printf(Locale.ROOT, "%s: %s, %d steps, stages %s at %s%n", method.id(), method.description(),
                plan.totalSteps(), config.stages().layers(), Arrays.toString(plan.stages().expansionSteps()));
        AccelRecorder recorder;
        try (MetricsLog metrics = new MetricsLog(dir.resolve("metrics.jsonl"))) {
            recorder = new AccelRecorder(metrics);
            EmbeddedRun.run(config, rendered, data, dir.resolve("checkpoints"), plan.freshStart(), null, recorder);
        }
        List<Long> expansions = Arrays.stream(plan.stages().expansionSteps()).boxed().toList();
        AccelResult result = new AccelResult(method, recorder.steps(), recorder.points(), recorder.trainSeconds(),
                expansions);
        System.out.printf(Locale.ROOT, "%s: final validation loss %.4f, %.3e FLOPs, %.0f training seconds%n",
                method.id(), result.finalLoss(), result.totalFlops(), result.trainSeconds());
        return result;
    }

    /** The report must hold a row and curves for every method and every figure it names; otherwise exit 1. */
    private static void checkComplete(Path dir, List<AccelMethod> methods, List<String> histograms) throws IOException {
        List<String> missing = new ArrayList<>();
        List<String> files = new ArrayList<>(List.of(AccelReport.RESULTS_CSV, AccelReport.REPORT_MD,
                AccelPlots.LOSS_VS_FLOPS, AccelPlots.LOSS_VS_WALL));
        files.addAll(histograms);
        for (String file : files) {
            if (!Files.isRegularFile(dir.resolve(file)) || Files.size(dir.resolve(file)) == 0) {
                missing.add(file);
            }
        }
        List<String> rows = Files.readAllLines(dir.resolve(AccelReport.RESULTS_CSV));
        String report = Files.readString(dir.resolve(AccelReport.REPORT_MD));
        for (AccelMethod method : methods) {
            if (rows.stream().noneMatch(r -> r.startsWith(method.id() + ","))) {
                missing.add("results.csv row for " + method.id());
            }
            if (!report.contains("| " + method.id() + " |")) {
                missing.add("report.md row for " + method.id());
            }
            if (!Files.isRegularFile(dir.resolve(method.id()).resolve("metrics.jsonl"))) {
                missing.add(method.id() + "/metrics.jsonl");
            }
        }
        if (!missing.isEmpty()) {
            throw new EmbeddedRun.RunFailed("benchmark report incomplete: missing " + String.join(", ", missing));
        }
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "apollo " + args.stream().map(a -> a.contains(" ") ? "'" + a + "'" : a)
                .collect(Collectors.joining(" "));
    }
}
