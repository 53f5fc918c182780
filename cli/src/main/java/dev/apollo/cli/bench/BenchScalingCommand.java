package dev.apollo.cli.bench;

import com.google.gson.JsonParser;
import dev.apollo.experiments.BenchResult;
import dev.apollo.run.ChildProcesses;
import dev.apollo.run.Corpus;
import dev.apollo.run.UsageError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo bench scaling}: the trainer's tokens per second with one worker and with two worker processes, one
 * engine thread each, on the same global batch of the tiny preset at full depth, timed from the runs' own metrics
 * after a warm-up. One worker is the single-process run, which is what {@code --workers 1} is. Beside them, the same
 * single process with two engine threads: what this machine's cores give one step at best, the ceiling a second
 * worker process is measured against ({@code efficiency_2w} = the speed-up over that ceiling's).
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Tokens/s of apollo train with 1 and 2 worker processes (one engine thread each), same global batch.")
final class BenchScalingCommand implements Callable<Integer> {

    @Option(names = "--steps", paramLabel = "N", defaultValue = "40", description = "Steps a run (default 40).")
    int steps;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "10", description = "Steps left out of the timing (default 10).")
    int warmupSteps;

    @Option(names = "--data", paramLabel = "PATH", description = "Corpus (default: the Brown corpus).")
    Path data;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path json;

    private static final long RUN_TIMEOUT_MINUTES = 30;

    @Override
    public Integer call() throws Exception {
        if (warmupSteps < 1 || steps < warmupSteps + 5) {
            throw new UsageError("bench scaling: --warmup-steps must be >= 1 and --steps at least 5 more");
        }
        Path dir = Files.createTempDirectory("apollo-bench-scaling-");
        double one = tokensPerSecond(dir.resolve("w1"), 1, 1);
        double two = tokensPerSecond(dir.resolve("w2"), 2, 1);
        double twoThreads = tokensPerSecond(dir.resolve("w1t2"), 1, 2);
        System.out.printf(Locale.ROOT, "workers  threads each  tokens/s%n%7d  %12d  %8.0f%n%7d  %12d  %8.0f%n"
                + "%7d  %12d  %8.0f   (the machine's ceiling for two cores on one step)%n", 1, 1, one, 2, 1, two, 1,
                2, twoThreads);
        new BenchResult().put("tokens_s_1w", one).put("tokens_s_2w", two).put("tokens_s_1w_2threads", twoThreads)
                .put("speedup_2w", two / one).put("speedup_2threads", twoThreads / one)
                .put("efficiency_2w", two / twoThreads).emit(System.out, json);
        try (var files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        return 0;
    }

    private double tokensPerSecond(Path out, int workers, int threads) throws IOException {
        List<String> args = new ArrayList<>(List.of("--out", out.toString(), "--steps", Integer.toString(steps),
                "--workers", Integer.toString(workers), "--set", "runtime.threads=" + threads,
                "--set", "stages.layers=[12]",
                "--set", "stages.boundaries=[]", "--set", "sampler.kind=full", "--set", "train.eval-every=100000",
                "--set", "train.checkpoint-every=0"));
        if (data != null) {
            args.addAll(List.of("--data", data.toString()));
        }
        // each run in a JVM of its own: the engine takes its thread count once, when it starts
        args.add(0, "train");
        Path log = out.resolveSibling(out.getFileName() + ".log");
        Process run;
        try (ChildProcesses children = new ChildProcesses(Duration.ofSeconds(10))) {
            run = children.start(List.of(), args, null, Map.of(), ProcessBuilder.Redirect.to(log.toFile()));
            if (!run.waitFor(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                throw new IllegalStateException("bench scaling: the run with " + workers + " workers took over "
                        + RUN_TIMEOUT_MINUTES + " minutes (its log: " + log + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench scaling: interrupted");
        }
        if (run.exitValue() != 0) {
            throw new IllegalStateException("bench scaling: the run with " + workers + " workers exited "
                    + run.exitValue() + " (its log: " + log + ")");
        }
        List<double[]> rows = new ArrayList<>(); // {step, tokens, wall}
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            var row = JsonParser.parseString(line).getAsJsonObject();
            if (row.get("type").getAsString().equals("train")) {
                rows.add(new double[] {row.get("step").getAsDouble(), row.get("tokens").getAsDouble(),
                        row.get("wall").getAsDouble()});
            }
        }
        double[] from = rows.get(warmupSteps - 1);
        double[] to = rows.get(rows.size() - 1);
        return (to[1] - from[1]) / (to[2] - from[2]);
    }
}
