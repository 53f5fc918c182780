package dev.apollo.coordinator.expand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.MomentPolicy;
import dev.apollo.coordinator.apollo.LayerMap;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExpansionTest {

    private static final long UPDATES = 37;
    /** The layer bank's parameters, with %d for the layer index. */
    private static final List<String> LAYER_PARAMETERS = List.of("layers.%d.attn.qkv.weight", "layers.%d.mlp.bias");
    private static final List<String> OUTSIDE_THE_BANK = List.of(
            "embed.token", "final.norm.weight", "adam.m.embed.token", "adam.v.embed.token");

    /**
     * A tiny replica with {@code layers} layers: two parameters a layer, both Adam moments for each, and tensors
     * outside the bank (an embedding with its moments, a norm without). Every tensor holds distinct values;
     * layer 0's weight holds bit patterns that a conversion would lose (-0, a subnormal, a NaN payload).
     */
    private static TensorState state(int layers) {
        List<NamedTensor> tensors = new ArrayList<>();
        float[] seed = {1};
        tensors.add(tensor("embed.token", new long[] {2, 2}, seed));
        tensors.add(tensor("final.norm.weight", new long[] {2}, seed));
        tensors.add(tensor("adam.m.embed.token", new long[] {2, 2}, seed));
        tensors.add(tensor("adam.v.embed.token", new long[] {2, 2}, seed));
        for (int layer = 0; layer < layers; layer++) {
            for (String prefix : List.of("", TensorState.FIRST_MOMENT_PREFIX, TensorState.SECOND_MOMENT_PREFIX)) {
                tensors.add(tensor(prefix + name(LAYER_PARAMETERS.get(0), layer), new long[] {2, 2}, seed));
                tensors.add(tensor(prefix + name(LAYER_PARAMETERS.get(1), layer), new long[] {3}, seed));
            }
        }
        float[] special = {-0.0f, Float.MIN_VALUE, Float.intBitsToFloat(0x7fc00123), -1.5e-39f};
        tensors.set(4, new NamedTensor("layers.0.attn.qkv.weight", new long[] {2, 2}, special));
        return new TensorState(tensors, UPDATES);
    }

    private static NamedTensor tensor(String name, long[] shape, float[] next) {
        float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = next[0]++ * 0.25f;
        }
        return new NamedTensor(name, shape, values);
    }

    private static String name(String template, int layer) {
        return template.replace("%d", Integer.toString(layer));
    }

    private static Map<String, NamedTensor> byName(TensorState state) {
        Map<String, NamedTensor> map = new LinkedHashMap<>();
        for (NamedTensor tensor : state.tensors()) {
            map.put(tensor.name(), tensor);
        }
        assertEquals(state.tensors().size(), map.size(), "duplicate tensor names");
        return map;
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private static void assertBitEqual(NamedTensor expected, NamedTensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), actual.name());
        assertArrayEquals(bits(expected.values()), bits(actual.values()), actual.name());
    }

    private static void assertZero(NamedTensor expectedShape, NamedTensor actual) {
        assertArrayEquals(expectedShape.shape(), actual.shape(), actual.name());
        assertArrayEquals(bits(new float[expectedShape.values().length]), bits(actual.values()), actual.name());
    }

    private static List<String> allNames(String template) {
        return List.of(template, TensorState.FIRST_MOMENT_PREFIX + template, TensorState.SECOND_MOMENT_PREFIX + template);
    }

    private static List<Integer> list(int[] map) {
        return Arrays.stream(map).boxed().toList();
    }

    @Test
    void interpolationTwoToFourCopiesWeightsBitForBitIntoIndependentArrays() {
        TensorState before = state(2);
        List<Integer> map = list(LayerMap.interpolation(2, 4));
        assertEquals(List.of(0, 0, 1, 1), map);

        Map<String, NamedTensor> old = byName(before);
        Map<String, NamedTensor> expanded = byName(Expansion.expand(before, map, MomentPolicy.COPY));

        for (String template : LAYER_PARAMETERS) {
            for (int slot = 0; slot < 4; slot++) {
                NamedTensor source = old.get(name(template, map.get(slot)));
                NamedTensor copy = expanded.get(name(template, slot));
                assertBitEqual(source, copy);
                assertNotSame(source.values(), copy.values(), copy.name());
            }
            // two slots filled from one source must not share storage either
            NamedTensor first = expanded.get(name(template, 0));
            NamedTensor second = expanded.get(name(template, 1));
            assertNotSame(first.values(), second.values());
            float[] sourceValues = old.get(name(template, 0)).values().clone();
            first.values()[0] = 99f;
            assertArrayEquals(bits(sourceValues), bits(second.values()));
            assertArrayEquals(bits(sourceValues), bits(old.get(name(template, 0)).values()));
        }
    }

    @Test
    void copyPolicyCopiesMomentsByTheSameMap() {
        TensorState before = state(2);
        List<Integer> map = List.of(0, 0, 1, 1);
        Map<String, NamedTensor> old = byName(before);
        Map<String, NamedTensor> expanded = byName(Expansion.expand(before, map, MomentPolicy.COPY));

        for (String template : LAYER_PARAMETERS) {
            for (String moment : allNames(template).subList(1, 3)) {
                for (int slot = 0; slot < 4; slot++) {
                    assertBitEqual(old.get(name(moment, map.get(slot))), expanded.get(name(moment, slot)));
                }
            }
        }
    }

    @Test
    void resetZeroesTheBanksMomentsButKeepsTheOthers() {
        TensorState before = state(2);
        List<Integer> map = List.of(0, 0, 1, 1);
        Map<String, NamedTensor> old = byName(before);
        Map<String, NamedTensor> expanded = byName(Expansion.expand(before, map, MomentPolicy.RESET));

        for (String template : LAYER_PARAMETERS) {
            for (int slot = 0; slot < 4; slot++) {
                assertBitEqual(old.get(name(template, map.get(slot))), expanded.get(name(template, slot)));
                for (String moment : allNames(template).subList(1, 3)) {
                    assertZero(old.get(name(moment, 0)), expanded.get(name(moment, slot)));
                }
            }
        }
        assertBitEqual(old.get("adam.m.embed.token"), expanded.get("adam.m.embed.token"));
        assertBitEqual(old.get("adam.v.embed.token"), expanded.get("adam.v.embed.token"));
    }

    @Test
    void inplaceKeepsEachSlotsOwnMomentsAndZeroesNewSlots() {
        TensorState before = state(2);
        List<Integer> map = List.of(0, 0, 1, 1);
        Map<String, NamedTensor> old = byName(before);
        Map<String, NamedTensor> expanded = byName(Expansion.expand(before, map, MomentPolicy.INPLACE));

        for (String template : LAYER_PARAMETERS) {
            for (int slot = 0; slot < 4; slot++) {
                assertBitEqual(old.get(name(template, map.get(slot))), expanded.get(name(template, slot)));
            }
            for (String moment : allNames(template).subList(1, 3)) {
                assertBitEqual(old.get(name(moment, 0)), expanded.get(name(moment, 0)));
                // slot 1 takes layer 0's weights but keeps its own moments
                assertBitEqual(old.get(name(moment, 1)), expanded.get(name(moment, 1)));
                assertNotSame(old.get(name(moment, 1)).values(), expanded.get(name(moment, 1)).values());
                assertZero(old.get(name(moment, 0)), expanded.get(name(moment, 2)));
                assertZero(old.get(name(moment, 0)), expanded.get(name(moment, 3)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MomentPolicy.class)
    void tensorsOutsideTheBankPassThroughAndTheUpdateCountIsKept(MomentPolicy policy) {
        TensorState before = state(2);
        Map<String, NamedTensor> old = byName(before);
        TensorState after = Expansion.expand(before, List.of(0, 0, 1, 1), policy);
        Map<String, NamedTensor> expanded = byName(after);

        for (String name : OUTSIDE_THE_BANK) {
            assertBitEqual(old.get(name), expanded.get(name));
        }
        assertEquals(UPDATES, after.optimizerUpdates());
        Set<String> expectedNames = new HashSet<>(OUTSIDE_THE_BANK);
        for (String template : LAYER_PARAMETERS) {
            for (String any : allNames(template)) {
                for (int slot = 0; slot < 4; slot++) {
                    expectedNames.add(name(any, slot));
                }
            }
        }
        assertEquals(expectedNames, expanded.keySet());
    }

    @Test
    void stackingThreeToSixRepeatsTheBlock() {
        TensorState before = state(3);
        List<Integer> map = list(LayerMap.stacking(3, 6));
        assertEquals(List.of(0, 1, 2, 0, 1, 2), map);
        Map<String, NamedTensor> old = byName(before);
        Map<String, NamedTensor> expanded = byName(Expansion.expand(before, map, MomentPolicy.COPY));

        for (String template : LAYER_PARAMETERS) {
            for (String any : allNames(template)) {
                for (int slot = 0; slot < 6; slot++) {
                    assertBitEqual(old.get(name(any, slot % 3)), expanded.get(name(any, slot)));
                }
            }
        }
        assertEquals(OUTSIDE_THE_BANK.size() + 6 * 6, expanded.size());
    }

    @Test
    void twoDigitSlotsAreNamedAndFilledLikeTheOthers() {
        TensorState before = state(6);
        List<Integer> map = list(LayerMap.interpolation(6, 12));
        Map<String, NamedTensor> old = byName(before);
        Map<String, NamedTensor> expanded = byName(Expansion.expand(before, map, MomentPolicy.COPY));

        assertBitEqual(old.get("layers.5.mlp.bias"), expanded.get("layers.10.mlp.bias"));
        assertBitEqual(old.get("adam.v.layers.5.attn.qkv.weight"), expanded.get("adam.v.layers.11.attn.qkv.weight"));
        assertBitEqual(old.get("layers.0.attn.qkv.weight"), expanded.get("layers.1.attn.qkv.weight"));
        assertEquals(OUTSIDE_THE_BANK.size() + 12 * 6, expanded.size());
    }

    @Test
    void aSourceSlotMissingFromTheStateIsAnError() {
        TensorState before = state(2);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Expansion.expand(before, List.of(0, 0, 1, 2), MomentPolicy.COPY));
        assertTrue(error.getMessage().contains("layers.2."), error.getMessage());
    }

    @Test
    void slotNamesDoNotDependOnTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("ar"));
            TensorState before = state(2);
            Map<String, NamedTensor> expanded = byName(Expansion.expand(before, List.of(0, 0, 1, 1), MomentPolicy.COPY));
            assertBitEqual(byName(before).get("layers.1.mlp.bias"), expanded.get("layers.3.mlp.bias"));
        } finally {
            Locale.setDefault(saved);
        }
    }
}
