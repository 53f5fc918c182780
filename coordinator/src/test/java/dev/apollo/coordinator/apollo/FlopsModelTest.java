package dev.apollo.coordinator.apollo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FlopsModelTest {

    // the tiny preset: d=128, T=128, B=16, V=256, f=4 -> 2048 tokens a step
    private final FlopsModel tiny = new FlopsModel(128, 128, 16, 256, 4);

    @Test
    void layerMatchesHandCount() {
        // 6 * 2048 * (12 * 128^2 + 2 * 128 * 128) = 6 * 2048 * (196,608 + 32,768)
        assertEquals(2_818_572_288.0, tiny.layerFlops());
    }

    @Test
    void headMatchesHandCount() {
        // 6 * 2048 * 256 * 128
        assertEquals(402_653_184.0, tiny.headFlops());
    }

    @Test
    void stepIsDepthLayersPlusHead() {
        assertEquals(12 * 2_818_572_288.0 + 402_653_184.0, tiny.stepFlops(12));
        assertEquals(2_818_572_288.0 + 402_653_184.0, tiny.stepFlops(1));
        assertEquals(2.5 * 2_818_572_288.0 + 402_653_184.0, tiny.expectedStepFlops(2.5));
    }

    @Test
    void evaluationIsForwardOnly() {
        assertEquals(8 * (12 * 2_818_572_288.0 + 402_653_184.0) / 3, tiny.evalFlops(12, 8), 1e-3);
    }

    @Test
    void ffnMultiplierScalesTheFfnTerm() {
        // f=2: per token 2*(3+1+4) d^2 forward -> 6 * tokens * (8 d^2 + 2 T d)
        FlopsModel narrow = new FlopsModel(128, 128, 16, 256, 2);
        assertEquals(6.0 * 2048 * (8 * 16384 + 2 * 128 * 128), narrow.layerFlops());
    }

    @Test
    void rejectsEmptyDimensions() {
        assertThrows(IllegalArgumentException.class, () -> new FlopsModel(0, 128, 16, 256, 4));
        assertThrows(IllegalArgumentException.class, () -> new FlopsModel(128, 128, 16, 256, 0));
    }
}
