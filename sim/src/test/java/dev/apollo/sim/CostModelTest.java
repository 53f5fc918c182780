package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.RunPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostModelTest {

    private static CostModel gptBase(ClusterSpec cluster, String... overrides) {
        ApolloConfig config = ConfigLoader.load("gpt-base", null, List.of(overrides));
        return CostModel.of(config, RunPlan.from(config).flops(), cluster);
    }

    @Test
    void parametersAreTheTrainersTensors() {
        CostModel cost = gptBase(ClusterSpec.of(1, "a100"));
        // per layer: QKV 3d^2+3d, projection d^2+d, MLP 8d^2+4d+4d+d, two norms 4d; embeddings (V+T)d; final norm 2d
        double d = 768;
        double layer = 12 * d * d + 13 * d;
        assertEquals(12 * layer + (256 + 1024) * d + 2 * d, cost.parameters(12));
        assertEquals(16 * cost.parameters(3), cost.stateBytes(3));
    }

    @Test
    void rowsThatDoNotFitRunInMicroBatchesAndAModelThatDoesNotFitIsRefused() {
        CostModel a100 = gptBase(ClusterSpec.of(8, "a100"));
        CostModel small = gptBase(ClusterSpec.parse("8xa100,memory-gb=8"));
        int rows = a100.rowsPerMicroBatch(12, 12);

        assertTrue(rows > 1, () -> rows + " rows");
        assertEquals(1, a100.microBatches(12, 12, rows));
        assertEquals(2, a100.microBatches(12, 12, rows + 1));
        assertTrue(small.rowsPerMicroBatch(12, 12) < rows);
        // accumulation costs the same FLOPs and a launch per micro-batch more
        double oneBatch = small.computeSeconds(12, 12, 1);
        double eight = small.computeSeconds(12, 12, 8);
        assertEquals(8 * (oneBatch - CostModel.MICRO_BATCH_OVERHEAD_SECONDS)
                + small.microBatches(12, 12, 8) * CostModel.MICRO_BATCH_OVERHEAD_SECONDS, eight, 1e-12);

        CostModel tiny = gptBase(ClusterSpec.parse("8xa100,memory-gb=1"));
        String message = assertThrows(IllegalArgumentException.class, () -> tiny.rowsPerMicroBatch(12, 12)).getMessage();
        assertTrue(message.startsWith("the model does not fit a a100"), message);
    }

    @Test
    void aRingAllReduceSendsTwiceTheGradientLessOneShareAndPaysTwoLatenciesPerWorker() {
        CostModel cost = gptBase(ClusterSpec.of(1024, "a100"));
        double bytes = cost.gradientBytes(12);

        assertEquals(0, cost.ringAllReduceSeconds(12, 1));
        assertEquals(2 * (bytes / 2 / 25e9 + 5e-6), cost.ringAllReduceSeconds(12, 2), 1e-12);
        assertEquals(2 * 1023 * (bytes / 1024 / 25e9 + 5e-6), cost.ringAllReduceSeconds(12, 1024), 1e-12);
        assertTrue(cost.ringAllReduceSeconds(1, 64) < cost.ringAllReduceSeconds(12, 64)); // fewer weights, less
    }
}
