package dev.apollo.cli.bench.accel;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.apollo.cli.ConfigOptions;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.TrainingMethod;
import dev.apollo.coordinator.actor.RunFailedException;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.experiments.BenchResult;
import dev.apollo.experiments.accel.AccelPlots;
import dev.apollo.experiments.accel.AccelRecorder;
import dev.apollo.experiments.accel.AccelReport;
import dev.apollo.experiments.accel.AccelResult;
import dev.apollo.experiments.accel.FrontierReport;
import dev.apollo.experiments.accel.FrontierSweep;
import dev.apollo.experiments.accel.GrowthPlan;
import dev.apollo.experiments.accel.SweepPoint;
import dev.apollo.experiments.accel.UnigramBaseline;
import dev.apollo.run.Corpus;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.run.MetricsLog;
import dev.apollo.run.UsageError;
import dev.apollo.worker.data.BatchSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

    @Option(names = "--budgets", paramLabel = "B,...", split = ",",
            description = "The loss-compute frontier: every method at each budget (steps), each run's schedule and "
                    + "growth plan ending at its own budget, evaluated once at its end.")
    List<Long> budgets;

    @Option(names = "--cooldown-branches", description = "With --budgets: one warmup-stable-decay trunk per method "
            + "and seed to the largest budget and a short cooldown branch from it at each smaller one (warmup and "
            + "stage boundaries in absolute steps): cheaper than independent runs.")
    boolean cooldownBranches;

    @Option(names = "--seeds", paramLabel = "K", defaultValue = "1",
            description = "With --budgets: K seeds per point (train.seed, +1, ...): mean and spread (default 1).")
    int seeds;

    @Option(names = "--plans", paramLabel = "P,...", split = ",", defaultValue = "paper",
            description = "With --budgets: growth plans of the progressive methods: paper (the configuration's "
                    + "stages) or weights@fractions, e.g. 6-12@0.5 (default paper).")
    List<String> plans;

    @Option(names = "--check-budget", paramLabel = "B",
            description = "With --cooldown-branches: the budget at which every method is also trained independently "
                    + "(first seed) to compare with its branch (default the smallest budget).")
    Long checkBudget;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<TrainingMethod> chosen = new ArrayList<>();
        for (String name : methods) {
            TrainingMethod method;
            try {
                method = TrainingMethod.named(name);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
            if (chosen.contains(method)) {
                throw new UsageError("method " + method.id() + " is listed twice");
            }
            chosen.add(method);
        }
        if (budgets != null) {
            return sweep(chosen);
        }
        if (cooldownBranches || seeds != 1 || !plans.equals(List.of(GrowthPlan.PAPER)) || checkBudget != null) {
            throw new UsageError("--cooldown-branches, --seeds, --plans and --check-budget need --budgets");
        }
        ApolloConfig base = baseConfig();
        BatchSource data = Corpus.load(base);
        Path dir = out != null ? out
                : Path.of("runs", "accel-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir.resolve(AccelReport.RESULTS_CSV)) || Files.exists(dir.resolve(AccelReport.REPORT_MD))) {
            throw new UsageError(dir + " already holds a benchmark report; choose another --out");
        }
        List<ApolloConfig> configs = new ArrayList<>();
        for (TrainingMethod method : chosen) {
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
        headlineFirst.sort(java.util.Comparator.comparingInt(r -> r.method() == TrainingMethod.APOLLO ? 0
                : r.method() == TrainingMethod.STACKBERT ? 1 : 2));
        for (AccelResult r : headlineFirst) {
            String key = r.method().id().replace('-', '_');
            if (r.method() != TrainingMethod.SCRATCH) {
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

    /** {@code --budgets}: the frontier sweep, its report and its RESULT line. */
    private Integer sweep(List<TrainingMethod> chosen) throws Exception {
        List<Long> sorted = budgets.stream().distinct().sorted().toList();
        if (sorted.size() != budgets.size() || sorted.get(0) < 2) {
            throw new UsageError("--budgets " + budgets + ": distinct step counts, each >= 2");
        }
        if (seeds < 1) {
            throw new UsageError("--seeds " + seeds + ": must be >= 1");
        }
        if (!chosen.contains(TrainingMethod.SCRATCH)) {
            throw new UsageError("--budgets compares every method with scratch: add scratch to --methods");
        }
        if (checkBudget != null && (!cooldownBranches || !sorted.contains(checkBudget))) {
            throw new UsageError("--check-budget " + checkBudget + ": needs --cooldown-branches and one of --budgets");
        }
        ApolloConfig base = baseConfig();
        List<GrowthPlan> growth = new ArrayList<>();
        for (String spec : plans) {
            GrowthPlan plan = GrowthPlan.parse(spec.trim(), base);
            if (growth.stream().anyMatch(p -> p.weights().equals(plan.weights()) && p.fractions().equals(plan.fractions()))) {
                throw new UsageError("--plans " + spec + " is listed twice");
            }
            growth.add(plan);
        }
        List<FrontierSweep.Line> lines = new ArrayList<>();
        for (TrainingMethod method : chosen) {
            if (method == TrainingMethod.SCRATCH) {
                lines.add(new FrontierSweep.Line(method, null));
            } else {
                growth.forEach(plan -> lines.add(new FrontierSweep.Line(method, plan)));
            }
        }
        if (lines.stream().map(FrontierSweep.Line::id).distinct().count() != lines.size()) {
            throw new UsageError("--plans: two plans with the same weights need the same line name; keep one");
        }
        Path dir = out != null ? out
                : Path.of("runs", "frontier-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir.resolve(AccelReport.RESULTS_CSV))) {
            throw new UsageError(dir + " holds a single-budget report; choose another --out");
        }
        BatchSource data = Corpus.load(base);
        FrontierSweep sweep = new FrontierSweep(extra -> {
            List<String> overrides = new ArrayList<>(forcedOverrides());
            overrides.addAll(extra);
            return configOptions.load(List.of("train.steps=" + DEFAULT_STEPS), overrides);
        }, data, dir, lines, sorted, seeds, cooldownBranches);
        String rendered = ConfigLoader.render(base);
        claim(dir, sweep.definition(rendered));
        System.out.printf(Locale.ROOT, "frontier sweep: %d lines x %d budgets x %d seeds%s = %d runs (%s) into %s%n",
                lines.size(), sorted.size(), seeds, cooldownBranches ? " + " + lines.size() + " independent checks" : "",
                sweep.runCount(), cooldownBranches ? "cooldown branches" : "independent runs", dir);

        List<SweepPoint> points = sweep.run();
        List<SweepPoint> check = cooldownBranches
                ? sweep.independentAt(checkBudget != null ? checkBudget : sorted.get(0)) : List.of();
        double unigram = UnigramBaseline.entropy(data, base.train().batchSize(), base.train().evalBatches());
        Map<String, String> descriptions = new LinkedHashMap<>();
        lines.forEach(l -> descriptions.put(l.id(), l.description()));
        FrontierReport report = new FrontierReport(points, TrainingMethod.SCRATCH.id(), descriptions);
        report.writeCsv(dir);
        report.writePlots(dir);
        String md = "# Loss-compute frontier\n\nCommand:\n\n```\n" + commandLine() + "\n```\n\n"
                + String.format(Locale.ROOT, "Unigram baseline (the loss of token frequencies alone on the validation "
                        + "targets): %.4f.%n%n", unigram)
                + report.section(setup(sweep, sorted, base), check, sweep.spikes())
                + "## Configuration (shared by every run; each run's own is in its directory)\n\n```\n" + rendered
                + "```\n";
        Files.writeString(dir.resolve(AccelReport.REPORT_MD), md, StandardCharsets.UTF_8);

        BenchResult result = new BenchResult();
        report.putResult(result);
        result.put("runs", points.size()).put("seeds", seeds).put("unigram_loss", unigram);
        System.out.println("report: " + dir.resolve(AccelReport.REPORT_MD));
        result.emit(System.out, json);
        return 0;
    }

    /** Writes the sweep's definition into {@code dir}, or checks that the one there is the same sweep. */
    private static void claim(Path dir, FrontierSweep.Definition definition) throws IOException {
        Path file = dir.resolve(FrontierSweep.DEFINITION);
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        String mine = gson.toJson(definition);
        if (Files.exists(file)) {
            if (!Files.readString(file).equals(mine)) {
                throw new UsageError(dir + " holds another sweep (its " + FrontierSweep.DEFINITION
                        + " differs: budgets, seeds, methods, plans, mode or configuration); choose another --out");
            }
            System.out.println(dir + " holds this sweep: finished runs are read back, the rest trained");
            return;
        }
        Files.createDirectories(dir);
        Files.writeString(file, mine, StandardCharsets.UTF_8);
    }

    private String setup(FrontierSweep sweep, List<Long> sorted, ApolloConfig base) {
        String budgetsText = sorted.stream().map(String::valueOf).collect(Collectors.joining(", "));
        String seedsText = String.format(Locale.ROOT, "%d seed%s (train.seed %d%s)", seeds, seeds == 1 ? "" : "s",
                base.train().seed(), seeds == 1 ? "" : " to " + (base.train().seed() + seeds - 1));
        long tokens = base.tokensPerStep();
        if (!cooldownBranches) {
            return String.format(Locale.ROOT, "Independent runs at budgets of %s steps (%d tokens a step), %s. Every "
                    + "run starts fresh, warms up over %.0f%% of its budget, scales its growth plan to it and decays "
                    + "over its last %.0f%% (schedule %s); it is evaluated once, at its end. Every method uses the "
                    + "same optimizer and schedule settings (the configuration below).", budgetsText, tokens,
                    seedsText, 100 * base.schedule().warmupFraction(), 100 * base.schedule().decayFraction(),
                    base.schedule().decay().name().toLowerCase(Locale.ROOT));
        }
        long largest = sorted.get(sorted.size() - 1);
        return String.format(Locale.ROOT, "Cooldown branches at budgets of %s steps (%d tokens a step), %s. Each line "
                + "and seed has one warmup-stable-decay trunk of %d steps (warmup %d steps, stage boundaries at the "
                + "steps its plan gives at %d steps); the point at a smaller budget B resumes the trunk at step "
                + "B - round(%.2f B) and decays over the rest, so it is the run those absolute steps give at budget B. "
                + "A branch that ends before a growth keeps the weights it has, shared over the full depth, and is "
                + "evaluated at the depth its method trains at: the full depth for methods that sample depths, N(s) "
                + "for those that do not (StackBERT). Every "
                + "run is evaluated once, at its end, and counts the trunk's FLOPs and seconds up to its branch. "
                + "Every method uses the same optimizer and schedule settings (the configuration below).",
                budgetsText, tokens, seedsText, largest, sweep.trunkWarmup(), largest, base.schedule().decayFraction());
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
                forced.add("model.vocab-size=auto"); // the objective's: BERT's four special ids with bytes
            }
        }
        if (quick) {
            forced.addAll(List.of("train.steps=" + QUICK_STEPS, "train.eval-every=6", "train.eval-batches=2"));
        }
        return forced;
    }

    private ApolloConfig methodConfig(ApolloConfig base, TrainingMethod method) {
        List<String> overrides = new ArrayList<>(forcedOverrides());
        overrides.addAll(method.overrides(base.model().layers()));
        return configOptions.load(List.of("train.steps=" + DEFAULT_STEPS), overrides);
    }

    private static AccelResult runMethod(TrainingMethod method, ApolloConfig config, BatchSource data, Path dir)
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
    private static void checkComplete(Path dir, List<TrainingMethod> methods, List<String> histograms) throws IOException {
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
        for (TrainingMethod method : methods) {
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
            throw new RunFailedException("benchmark report incomplete: missing " + String.join(", ", missing));
        }
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return "apollo " + args.stream().map(a -> a.contains(" ") ? "'" + a + "'" : a)
                .collect(Collectors.joining(" "));
    }
}
