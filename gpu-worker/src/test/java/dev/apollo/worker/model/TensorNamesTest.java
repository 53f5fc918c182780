package dev.apollo.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.protocol.TensorNames;
import dev.apollo.worker.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@link TensorNames} (protocol has no tests of its own) and the names {@link ModelParameters} builds from it. The
 * expected names are spelled out here on purpose: checkpoints and exports hold tensors under these names, in this
 * order, so a change to them is a change of the checkpoint format.
 */
class TensorNamesTest {

    private static final List<String> LAYER_PARTS = List.of("norm1.weight", "norm1.bias", "attn.qkv.weight",
            "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc.weight",
            "mlp.fc.bias", "mlp.proj.weight", "mlp.proj.bias");

    private static List<String> expectedNames(List<String> before, int weights, List<String> after) {
        List<String> names = new ArrayList<>(before);
        for (int i = 0; i < weights; i++) {
            for (String part : LAYER_PARTS) {
                names.add("layers." + i + "." + part);
            }
        }
        names.addAll(after);
        return names;
    }

    @Test
    void gptAndBertTensorsAreNamedAndOrderedAsCheckpointsHoldThem() {
        assertEquals(expectedNames(List.of("embed.token", "embed.position"), 3,
                        List.of("final_norm.weight", "final_norm.bias")),
                List.copyOf(ModelParameters.shapes(TestConfigs.small("gpt").model(), 3).keySet()));
        assertEquals(expectedNames(List.of("embed.token", "embed.position", "embed.norm.weight", "embed.norm.bias"), 2,
                        List.of("mlm.dense.weight", "mlm.dense.bias", "mlm.norm.weight", "mlm.norm.bias", "mlm.bias")),
                List.copyOf(ModelParameters.shapes(TestConfigs.small("bert").model(), 2).keySet()));
    }

    @Test
    void blockNamesAreBuiltFromTheLayerIndexAndTheSuffix() {
        assertEquals(LAYER_PARTS, TensorNames.BLOCK_SUFFIXES);
        assertEquals("layers.3.", TensorNames.blockPrefix(3));
        assertEquals("layers.3.attn.qkv.weight", TensorNames.block(3, TensorNames.ATTN_QKV_WEIGHT));
        assertEquals("layers.12.mlp.proj.bias", TensorNames.block(12, TensorNames.MLP_PROJ_BIAS));
        assertThrows(IllegalArgumentException.class, () -> TensorNames.blockPrefix(-1));
    }

    @Test
    void blockNamesDoNotDependOnTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("ar-EG-u-nu-arab"));
            assertEquals("layers.10.norm1.bias", TensorNames.block(10, TensorNames.NORM1_BIAS));
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void theLayerIndexAndSuffixAreReadBack() {
        assertEquals(0, TensorNames.layerOf("layers.0.norm1.weight"));
        assertEquals(11, TensorNames.layerOf("layers.11.attn.qkv.weight"));
        assertEquals("attn.qkv.weight", TensorNames.suffixOf("layers.11.attn.qkv.weight"));
        assertEquals("w", TensorNames.suffixOf("layers.7.w"));
        for (String suffix : TensorNames.BLOCK_SUFFIXES) {
            String name = TensorNames.block(5, suffix);
            assertEquals(5, TensorNames.layerOf(name), name);
            assertEquals(suffix, TensorNames.suffixOf(name), name);
        }
    }

    @Test
    void namesOutsideTheBankHaveNoLayer() {
        for (String name : List.of(TensorNames.TOKEN_EMBEDDING, TensorNames.POSITION_EMBEDDING,
                TensorNames.EMBEDDING_NORM_WEIGHT, TensorNames.FINAL_NORM_BIAS, TensorNames.MLM_BIAS,
                "adam.m.layers.0.norm1.weight", "layers.", "layers.3", "layers.3.", "layers..norm1.weight",
                "layers.x.norm1.weight", "layers.-1.norm1.weight", "layers.1a.norm1.weight", "xlayers.1.norm1.weight")) {
            assertEquals(-1, TensorNames.layerOf(name), name);
            assertFalse(TensorNames.isBlock(name), name);
            assertThrows(IllegalArgumentException.class, () -> TensorNames.suffixOf(name), name);
        }
        assertTrue(TensorNames.isBlock("layers.0.mlp.fc.bias"));
    }
}
