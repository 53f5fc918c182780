package dev.apollo.coordinator.apollo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LayerMapTest {

    @Test
    void paperFigure4ThreeWeightsOnSixLayers() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, LayerMap.interpolation(3, 6));
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, LayerMap.stacking(3, 6));
    }

    @Test
    void oneWeightSharedEverywhere() {
        assertArrayEquals(new int[] {0, 0, 0}, LayerMap.interpolation(1, 3));
        assertArrayEquals(new int[] {0, 0, 0}, LayerMap.stacking(1, 3));
    }

    @Test
    void sixWeightsOnTwelveLayers() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, LayerMap.interpolation(6, 12));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}, LayerMap.stacking(6, 12));
    }

    @Test
    void expansionCopiesOldWeightsByInterpolation() {
        // new layer j of 6 starts as a copy of old layer g(j) of 3
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, LayerMap.interpolation(3, 6));
        // the paper's stages 1 -> 3 -> 6 -> 12
        assertArrayEquals(new int[] {0, 0, 0}, LayerMap.interpolation(1, 3));
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, LayerMap.interpolation(6, 12));
    }

    @Test
    void unevenAndShrinkingShapesStayDefined() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2}, LayerMap.interpolation(3, 5));
        assertArrayEquals(new int[] {0, 1, 2, 0, 1}, LayerMap.stacking(3, 5));
        assertArrayEquals(new int[] {0, 2, 4}, LayerMap.interpolation(6, 3));
        assertArrayEquals(new int[] {0, 1, 2, 3}, LayerMap.interpolation(4, 4));
        assertArrayEquals(new int[] {0, 1, 2, 3}, LayerMap.stacking(4, 4));
    }

    @Test
    void chosenByKindName() {
        assertArrayEquals(LayerMap.interpolation(3, 6), LayerMap.of("INTERPOLATION", 3, 6));
        assertArrayEquals(LayerMap.stacking(3, 6), LayerMap.of("stacking", 3, 6));
        assertThrows(IllegalArgumentException.class, () -> LayerMap.of("mirror", 3, 6));
    }

    @Test
    void rejectsNonPositiveSizes() {
        assertThrows(IllegalArgumentException.class, () -> LayerMap.interpolation(0, 6));
        assertThrows(IllegalArgumentException.class, () -> LayerMap.interpolation(3, 0));
        assertThrows(IllegalArgumentException.class, () -> LayerMap.stacking(0, 6));
        assertThrows(IllegalArgumentException.class, () -> LayerMap.stacking(3, -1));
    }
}
