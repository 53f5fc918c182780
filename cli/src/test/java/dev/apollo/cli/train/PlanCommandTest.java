package dev.apollo.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.apollo.cli.CliHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanCommandTest {

    @Test
    void jsonPlanOfTheTinyPresetFollowsThePaperSchedule() {
        var outcome = CliHarness.run(List.of("plan", "--json", "--steps", "1200"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        JsonObject plan = new Gson().fromJson(outcome.out(), JsonObject.class);
        JsonArray stages = plan.getAsJsonArray("stages");
        assertEquals(4, stages.size());
        long[] starts = {0, 60, 120, 300};
        int[] weights = {1, 3, 6, 12};
        for (int s = 0; s < 4; s++) {
            JsonObject stage = stages.get(s).getAsJsonObject();
            assertEquals(weights[s], stage.get("weights").getAsInt());
            assertEquals(starts[s], stage.get("startStep").getAsLong());
            double total = stage.getAsJsonObject("depthProbabilities").entrySet().stream()
                    .mapToDouble(e -> e.getValue().getAsDouble()).sum();
            assertEquals(1.0, total, 1e-9);
        }
        // LVPS k=0 at N=1: P(1) = 1 / sum_{d=1..12} 1/d^2
        double harmonic = 0;
        for (int d = 1; d <= 12; d++) {
            harmonic += 1.0 / (d * d);
        }
        assertEquals(1 / harmonic, stages.get(0).getAsJsonObject().getAsJsonObject("depthProbabilities")
                .get("1").getAsDouble(), 1e-12);
        assertEquals(1.0, stages.get(3).getAsJsonObject().getAsJsonObject("depthProbabilities").get("12").getAsDouble());
        double ratio = plan.get("expectedFlops").getAsDouble() / plan.get("scratchFlops").getAsDouble();
        assertTrue(ratio > 0.8 && ratio < 0.95, "the paper's boundaries cost about 0.88 of scratch: " + ratio);
    }
}
