package dev.apollo.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {

    @TempDir
    Path dir;

    private static void assertRefused(String expected, String... args) {
        var outcome = CliHarness.run(List.of(args));
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        assertEquals(1, outcome.err().strip().lines().count(), outcome.err());
        assertTrue(outcome.err().startsWith("apollo: " + expected), outcome.err());
    }

    @Test
    void aSeedPrintsTheSameSummaryAndWritesTheSameTraceEveryTime() throws IOException {
        Path first = dir.resolve("first.trace");
        Path second = dir.resolve("second.trace");
        var run = CliHarness.run(List.of("simulate", "--seed", "5", "--steps", "60", "--trace", first.toString()));
        var again = CliHarness.run(List.of("simulate", "--seed", "5", "--steps", "60", "--trace", second.toString()));

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("finished: 60 of 60 steps"), run.out());
        assertTrue(run.out().contains("invariants: all held"), run.out());
        assertEquals(run.out().replace(first.toString(), "TRACE"), again.out().replace(second.toString(), "TRACE"));
        List<String> trace = Files.readAllLines(first);
        assertEquals(trace, Files.readAllLines(second));
        assertTrue(trace.stream().anyMatch(line -> line.contains(" FAULT ")), "faults are on by default");
        assertTrue(run.out().contains("trace: " + first + " (" + trace.size() + " entries)"), run.out());
    }

    @Test
    void aSweepRunsEverySeedAndReportsThatEveryInvariantHeld() {
        var sweep = CliHarness.run(List.of("simulate", "--seeds", "1..30", "--steps", "40", "--workers", "3"));

        assertEquals(0, sweep.exitCode(), sweep.err());
        assertTrue(sweep.out().contains("30 runs,"), sweep.out());
        assertTrue(sweep.out().endsWith("invariants: all held in every run\n"), sweep.out());
    }

    @Test
    void theReplayCommandRepeatsEveryOptionOfTheSweepThatMattersToTheRun() {
        SimulateCommand sweep = new picocli.CommandLine(new SimulateCommand()).parseArgs("--seeds", "1..9",
                "--workers", "3", "--steps", "40", "--faults", "partition,crash", "--preset", "tiny", "--set",
                "cluster.min-workers=2", "--set", "stages.layers=[1, 3, 6, 12]")
                .commandSpec().commandLine().getCommand();

        // the seed drew 2 of the 3 workers the sweep allows: the replay starts with those
        assertEquals("apollo simulate --seed 7 --workers 2 --steps 40 --faults crash,partition"
                + " --set cluster.min-workers=2 --set 'stages.layers=[1, 3, 6, 12]'", sweep.replay(7, 2));
    }

    @Test
    void badInputIsRefusedOnOneLine() {
        assertRefused("simulate: --seeds '1-9': write A..B", "simulate", "--seeds", "1-9");
        assertRefused("simulate: --seeds 9..1: A must not exceed B", "simulate", "--seeds", "9..1");
        assertRefused("simulate: bad --faults 'crash,fire'", "simulate", "--faults", "crash,fire");
        assertRefused("simulate: --workers 0", "simulate", "--workers", "0");
        assertRefused("simulate: a simulation needs at least apollo.cluster.min-workers (3)", "simulate",
                "--workers", "2", "--set", "cluster.min-workers=3");
        assertRefused("config error: apollo.cluster.min-workers = 0", "simulate", "--set", "cluster.min-workers=0");
        assertRefused("simulate: --seeds sweeps", "simulate", "--seeds", "1..2", "--seed", "1");
        assertRefused("simulate plan: bad cluster spec '64xtpu'", "simulate", "plan", "--cluster", "64xtpu");
        assertRefused("simulate plan: bad cluster spec '64xa100,mfu=2'", "simulate", "plan", "--cluster",
                "64xa100,mfu=2");
        assertRefused("simulate plan: --cluster SPEC is required", "simulate", "plan");
        assertRefused("simulate plan: the model does not fit", "simulate", "plan", "--preset", "gpt-base",
                "--cluster", "8xa100,memory-gb=1");
        assertRefused("bench simulate: --seeds and --rounds must be >= 1", "bench", "simulate", "--seeds", "0");
    }

    @Test
    void aPlanComparesTheThreeSchedules() {
        var plan = CliHarness.run(List.of("simulate", "plan", "--preset", "gpt-base", "--cluster", "256xa100",
                "--steps", "3000", "--set", "train.batch-size=1024", "--json"));

        assertEquals(0, plan.exitCode(), plan.err());
        JsonArray schedules = new Gson().fromJson(plan.out(), JsonObject.class).getAsJsonArray("schedules");
        assertEquals(List.of("scratch", "stackbert", "apollo"),
                schedules.asList().stream().map(s -> s.getAsJsonObject().get("schedule").getAsString()).toList());
        double apolloRatio = schedules.get(2).getAsJsonObject().get("flopsRatio").getAsDouble();
        assertTrue(apolloRatio > 0.8 && apolloRatio < 0.95, "Apollo costs about 0.88 of scratch: " + apolloRatio);
        assertEquals(256, schedules.get(0).getAsJsonObject().get("activeWorkers").getAsInt());

        var table = CliHarness.run(List.of("simulate", "plan", "--preset", "gpt-base", "--cluster", "256xa100",
                "--steps", "3000", "--set", "train.batch-size=1024"));
        assertEquals(0, table.exitCode(), table.err());
        assertEquals(3, table.out().lines().filter(line -> line.matches("\\| (scratch|stackbert|apollo) \\|.*")).count(),
                table.out());
    }

    @Test
    void theBenchmarkEndsWithItsResultLineAndWritesItsJson() throws IOException {
        Path json = dir.resolve("bench.json");
        var bench = CliHarness.run(List.of("bench", "simulate", "--seeds", "5", "--rounds", "1", "--json",
                json.toString()));

        assertEquals(0, bench.exitCode(), bench.err());
        String last = bench.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("RESULT events_per_s=[0-9]+ plan_1024_wall_s=[0-9.]+"), last);
        JsonObject figures = new Gson().fromJson(Files.readString(json), JsonObject.class);
        assertTrue(figures.get("events_per_s").getAsLong() > 0);
        assertTrue(figures.has("plan_1024_wall_s"));
    }
}
