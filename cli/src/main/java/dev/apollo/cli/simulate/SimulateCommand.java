package dev.apollo.cli.simulate;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.run.UsageError;
import dev.apollo.sim.CoreFactory;
import dev.apollo.sim.CostModel;
import dev.apollo.sim.FaultKind;
import dev.apollo.sim.Scenario;
import dev.apollo.sim.Simulation;
import dev.apollo.sim.SimulationResult;
import dev.apollo.sim.SimulationStats;
import dev.apollo.sim.Sweep;
import dev.apollo.sim.TraceEntry;
import dev.apollo.sim.Violation;
import dev.apollo.worker.data.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo simulate}: the coordinator core, the very one {@code apollo train} runs, driven by simulated workers
 * on a virtual clock with the faults of a seeded plan, its invariants checked after every event. One seed prints a
 * summary and writes a trace; {@code --seeds A..B} sweeps and exits 1 on any violation with the command that replays
 * the failing seed. The same seed prints the same output.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, subcommands = {SimulatePlanCommand.class},
        description = {"Run the coordinator core against simulated workers under faults, checking its invariants.",
                "The seed decides the run (depth draws, data order) and the simulation (latencies, faults) alike."})
public final class SimulateCommand implements Callable<Integer> {

    /** Under the user's settings: checkpoints often enough that a restart or a rollback has one to go back to. */
    static final List<String> DEFAULTS = List.of("train.checkpoint-every=25");
    private static final Pattern SEED_RANGE = Pattern.compile("(-?[0-9]{1,18})\\.\\.(-?[0-9]{1,18})");
    private static final long MAX_SWEEP = 10_000_000;
    private static final int MAX_WORKERS = 256;
    private static final int VIOLATIONS_SHOWN = 3;
    private static final Map<FaultKind, String> MESSAGE_FAULTS = Map.of(FaultKind.LOSS, "lost",
            FaultKind.DUPLICATE, "duplicated", FaultKind.REORDER, "overtaken");

    @Option(names = "--seed", paramLabel = "S", description = "The seed (default 1).")
    Long seed;

    @Option(names = "--seeds", paramLabel = "A..B", description = "Sweep seeds A to B, inclusive; exit 1 on any violation.")
    String seeds;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4", description = "Workers at the start, 1 to 256 (default 4); joins add more. A sweep draws each seed's count, from cluster.min-workers up to N.")
    int workers;

    @Option(names = "--steps", paramLabel = "T", defaultValue = "200", description = "Steps of the run (default 200).")
    long steps;

    @Option(names = "--faults", paramLabel = "SPEC", defaultValue = "all", description = "all (default), none, or some of crash, slow, join, leave, partition, restart, loss, duplicate, reorder separated by commas.")
    String faults;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "tiny", description = "The model and run: tiny (default), gpt-base, bert-base, bert-large.")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set cluster.min-workers=2 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--trace", paramLabel = "FILE", description = "Where one seed's trace goes (default runs/simulate/seed-S.trace).")
    Path trace;

    @Option(names = "--threads", paramLabel = "N", description = "Threads of a sweep (default: one per processor).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        if (seeds != null && (seed != null || trace != null)) {
            throw new UsageError("simulate: --seeds sweeps; it takes no --seed or --trace");
        }
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new UsageError("simulate: --workers " + workers + ": must be in [1, " + MAX_WORKERS
                    + "] (plan larger clusters with apollo simulate plan)");
        }
        if (threads != null && threads < 1) {
            throw new UsageError("simulate: --threads " + threads + ": must be >= 1");
        }
        Scenario scenario = scenario(seed == null ? 1 : seed);
        return seeds == null ? single(scenario) : sweep(scenario);
    }

    private Scenario scenario(long runSeed) {
        List<String> all = new ArrayList<>(DEFAULTS);
        all.add("train.steps=" + steps);
        all.add("train.seed=" + runSeed);
        all.addAll(overrides);
        ApolloConfig config = Vocabulary.resolve(ConfigLoader.load(preset, null, all));
        try {
            Scenario scenario = Scenario.of(config, workers, FaultKind.parse(faults));
            int layers = config.model().layers();
            CostModel.of(config, RunPlan.from(config).flops(), scenario.cluster()).rowsPerMicroBatch(layers, layers);
            return scenario;
        } catch (IllegalArgumentException e) {
            throw new UsageError("simulate: " + e.getMessage());
        }
    }

    private String header(Scenario scenario) {
        return String.format(Locale.ROOT, "%d workers (%s), %d steps of %s, min-workers %d, faults %s", workers,
                scenario.cluster().device(), steps, preset, scenario.config().cluster().minWorkers(),
                FaultKind.describe(scenario.faults()));
    }

    private int single(Scenario scenario) throws IOException {
        SimulationResult result = Simulation.run(scenario, true);
        System.out.println("apollo simulate: seed " + scenario.seed() + ", " + header(scenario));
        System.out.printf(Locale.ROOT, "%s: %d of %d steps, %,d events, %.6f s of virtual time%n",
                result.finished() ? "finished" : "stopped", result.stepRecords().size(), steps, result.events(),
                result.virtualNanos() / 1e9);
        SimulationStats stats = result.stats();
        System.out.println("faults: " + faultCounts(stats.faults()));
        System.out.printf(Locale.ROOT, "recovery: step attempts superseded %d, rollbacks to a checkpoint %d, live "
                + "workers declared dead %d, messages held up by partitions %d%n", stats.superseded(), stats.rollbacks(),
                stats.expelled(), stats.partitionRetries());
        System.out.println("final state " + hex(result.finalDigest()) + ", fault-free run "
                + hex(result.referenceDigest()));
        Path file = trace != null ? trace : Path.of("runs", "simulate", "seed-" + scenario.seed() + ".trace");
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.write(file, result.trace().stream().map(TraceEntry::toString).toList());
        System.out.println("trace: " + file + " (" + result.trace().size() + " entries)");
        if (result.violationCount() == 0) {
            System.out.println("invariants: all held");
            return 0;
        }
        System.out.println("invariants: " + result.violationCount() + " violations, the first:");
        result.violations().stream().limit(VIOLATIONS_SHOWN).forEach(v -> System.out.println("  " + describe(v)));
        return 1;
    }

    private int sweep(Scenario base) {
        Matcher range = SEED_RANGE.matcher(seeds.strip());
        if (!range.matches()) {
            throw new UsageError("simulate: --seeds '" + seeds + "': write A..B, e.g. 1..1000");
        }
        long from = Long.parseLong(range.group(1));
        long to = Long.parseLong(range.group(2));
        if (from > to || to - from >= MAX_SWEEP) {
            throw new UsageError("simulate: --seeds " + seeds + ": A must not exceed B, and at most " + MAX_SWEEP
                    + " seeds");
        }
        System.out.println("apollo simulate: seeds " + from + ".." + to + ", " + header(base));
        long start = System.nanoTime();
        List<Sweep.Outcome> outcomes = Sweep.run(from, to, base::varied, CoreFactory.real(),
                threads != null ? threads : Runtime.getRuntime().availableProcessors());
        double seconds = (System.nanoTime() - start) / 1e9;
        long events = outcomes.stream().mapToLong(Sweep.Outcome::events).sum();
        List<Sweep.Outcome> failed = outcomes.stream().filter(Sweep.Outcome::failed).toList();
        System.out.printf(Locale.ROOT, "%d runs, %,d events in %.1f s; faults: %s%n", outcomes.size(), events, seconds,
                faultCounts(Sweep.faultTotals(outcomes)));
        if (failed.isEmpty()) {
            System.out.println("invariants: all held in every run");
            return 0;
        }
        for (Sweep.Outcome outcome : failed) {
            System.out.println("seed " + outcome.seed() + ": " + outcome.violationCount() + " violations, the first: "
                    + describe(outcome.violations().get(0)));
            System.out.println("  replay: " + replay(outcome.seed(), outcome.workers()));
        }
        System.out.println("invariants: violated in " + failed.size() + " of " + outcomes.size() + " runs");
        return 1;
    }

    /** The command that runs one seed of this command line again, event for event, on the workers it drew. */
    String replay(long runSeed, int startingWorkers) {
        StringBuilder command = new StringBuilder("apollo simulate --seed " + runSeed + " --workers " + startingWorkers
                + " --steps " + steps + " --faults " + FaultKind.describe(FaultKind.parse(faults)));
        if (!preset.equals("tiny")) {
            command.append(" --preset ").append(preset);
        }
        for (String override : overrides) {
            command.append(" --set ").append(override.matches("[A-Za-z0-9_.=,\\-]+") ? override
                    : "'" + override.replace("'", "'\\''") + "'");
        }
        return command.toString();
    }

    private static String describe(Violation violation) {
        return violation.invariant() + ": " + violation.detail();
    }

    /** {@code crash 4, partition 3; messages lost 80, duplicated 88, overtaken 82}. */
    private static String faultCounts(Map<FaultKind, ? extends Number> counts) {
        String events = counts.entrySet().stream().filter(e -> !e.getKey().onTheNetwork())
                .map(e -> e.getKey().label() + " " + e.getValue()).collect(Collectors.joining(", "));
        String messages = counts.entrySet().stream().filter(e -> e.getKey().onTheNetwork())
                .map(e -> MESSAGE_FAULTS.get(e.getKey()) + " " + e.getValue()).collect(Collectors.joining(", "));
        return (events.isEmpty() ? "none" : events) + (messages.isEmpty() ? "" : "; messages " + messages);
    }

    private static String hex(Long digest) {
        return digest == null ? "(no live replica holds it)" : String.format("%016x", digest);
    }
}
