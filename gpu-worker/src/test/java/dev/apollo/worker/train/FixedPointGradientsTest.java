package dev.apollo.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixed-point sum: exact, order-free, and it flags what it cannot hold. */
class FixedPointGradientsTest {

    @Test
    void sumsInAnyOrderToTheSameBitsAndGivesTheMean() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray param = manager.zeros(new ai.djl.ndarray.types.Shape(3));
            NDArray a = manager.create(new float[] {0.1f, -2.5f, 1e-9f});
            NDArray b = manager.create(new float[] {0.3f, 7.25f, -3e-9f});
            NDArray c = manager.create(new float[] {1e-3f, 0.5f, 2e-9f});
            float[] forward = sum(manager, param, List.of(a, b, c));
            float[] backward = sum(manager, param, List.of(c, b, a));
            assertEquals(List.of(forward[0], forward[1], forward[2]), List.of(backward[0], backward[1], backward[2]));
            assertEquals((0.1 + 0.3 + 1e-3) / 3, forward[0], 1e-7);
            assertEquals(5.25 / 3, forward[1], 1e-7);
            assertEquals(0, forward[2], 1e-12);
        }
    }

    @Test
    void flagsNanInfinityAndValuesTooLargeToSumExactly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray param = manager.zeros(new ai.djl.ndarray.types.Shape(2));
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, 3e6f}) {
                try (FixedPointGradients sum = new FixedPointGradients(manager, List.of(param), 4)) {
                    sum.clear();
                    sum.add(List.of(manager.create(new float[] {1f, bad})), manager.create(2f));
                    sum.seal();
                    assertFalse(sum.finite(), "flagged " + bad);
                }
            }
            try (FixedPointGradients sum = new FixedPointGradients(manager, List.of(param), 4)) {
                sum.clear();
                sum.add(List.of(manager.create(new float[] {1f, 1e5f})), manager.create(2.5f));
                sum.seal();
                assertTrue(sum.finite());
                assertEquals(2.5 / 4, sum.meanLoss(4), 0);
            }
        }
    }

    private static float[] sum(NDManager manager, NDArray param, List<NDArray> parts) {
        try (FixedPointGradients sum = new FixedPointGradients(manager, List.of(param), parts.size())) {
            sum.clear();
            for (NDArray part : parts) {
                sum.add(List.of(part), manager.create(1f));
            }
            sum.seal();
            assertTrue(sum.finite());
            return sum.mean(0, parts.size()).toFloatArray();
        }
    }
}
