package dev.apollo.worker.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ApolloConfig;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.TestConfigs;
import dev.apollo.worker.checkpoint.CheckpointError;
import dev.apollo.worker.checkpoint.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export then import gives back the same floats, for both architectures and mid-stage banks; a foreign folder is refused. */
class HfRoundTripTest {

    @TempDir
    Path dir;

    private CheckpointModel checkpoint(ApolloConfig config, int weights) throws IOException {
        Path checkpoints = dir.resolve("checkpoints-" + config.model().objective() + "-" + weights);
        return CheckpointModel.read(ExportFixtures.checkpoint(checkpoints, config, weights, 11));
    }

    private static void assertBitExact(Map<String, NamedTensor> expected, TensorState imported) {
        assertEquals(expected.keySet(), imported.tensors().stream().map(NamedTensor::name)
                .collect(java.util.stream.Collectors.toSet()));
        for (NamedTensor tensor : imported.tensors()) {
            NamedTensor original = expected.get(tensor.name());
            assertArrayEquals(original.shape(), tensor.shape(), tensor.name());
            assertArrayEquals(original.values(), tensor.values(), tensor.name()); // compares float bits
        }
        assertEquals(0, imported.optimizerUpdates(), "moments start afresh");
    }

    @Test
    void gptAndBertRoundTripBitExactly() throws IOException {
        for (String objective : List.of("gpt", "bert")) {
            ApolloConfig config = TestConfigs.small(objective);
            CheckpointModel model = checkpoint(config, 4);
            Path folder = dir.resolve("export-" + objective);
            HfExport.write(model, 4, folder);
            assertBitExact(model.parameters(), HfImport.read(folder, config.model(), 4, Vocabulary.BYTES));
        }
    }

    @Test
    void midStageBankExportsEachLayerThroughTheMapAndReimportsAsThatNetwork() throws IOException {
        ApolloConfig config = TestConfigs.small("gpt");
        CheckpointModel model = checkpoint(config, 2);
        for (int depth : new int[] {4, 6, 1}) {
            Path folder = dir.resolve("export-depth-" + depth);
            HfExport.write(model, depth, folder);
            TensorState imported = HfImport.read(folder, config.model(), depth, Vocabulary.BYTES);
            assertBitExact(model.atDepth(depth), imported);
            int[] map = model.layerMap(depth);
            for (int layer = 0; layer < depth; layer++) {
                assertArrayEquals(model.parameters().get("layers." + map[layer] + ".mlp.fc.weight").values(),
                        find(imported, "layers." + layer + ".mlp.fc.weight"), "layer " + layer);
            }
        }
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, model.layerMap(6));
    }

    @Test
    void bertTokenTypeEmbeddingsAreZerosAndQkvIsSplitInOrder() throws IOException {
        ApolloConfig config = TestConfigs.small("bert");
        CheckpointModel model = checkpoint(config, 4);
        Path folder = dir.resolve("bert");
        HfExport.write(model, 4, folder);
        Map<String, NamedTensor> hf = byName(Safetensors.read(folder.resolve("model.safetensors")));
        for (float value : hf.get("bert.embeddings.token_type_embeddings.weight").values()) {
            assertEquals(0f, value);
        }
        float[] qkv = model.parameters().get("layers.2.attn.qkv.weight").values();
        int block = 32 * 32;
        assertArrayEquals(java.util.Arrays.copyOfRange(qkv, 0, block),
                hf.get("bert.encoder.layer.2.attention.self.query.weight").values());
        assertArrayEquals(java.util.Arrays.copyOfRange(qkv, block, 2 * block),
                hf.get("bert.encoder.layer.2.attention.self.key.weight").values());
        assertArrayEquals(java.util.Arrays.copyOfRange(qkv, 2 * block, 3 * block),
                hf.get("bert.encoder.layer.2.attention.self.value.weight").values());
        assertEquals(1e-5, com.google.gson.JsonParser.parseString(Files.readString(folder.resolve("config.json")))
                .getAsJsonObject().get("layer_norm_eps").getAsDouble(), "ours, not BERT's default 1e-12");
    }

    @Test
    void aFolderOfAnotherModelIsRefusedNamingTheDifference() throws IOException {
        ApolloConfig config = TestConfigs.small("gpt");
        Path folder = dir.resolve("gpt");
        HfExport.write(checkpoint(config, 4), 4, folder);
        assertRefused(folder, TestConfigs.small("gpt", "model.d-model=64"), 4, "n_embd");
        assertRefused(folder, TestConfigs.small("gpt", "model.heads=2"), 4, "n_head");
        assertRefused(folder, TestConfigs.small("gpt", "model.seq-len=32"), 4, "n_positions");
        assertRefused(folder, TestConfigs.small("gpt", "model.layer-norm-eps=1e-6"), 4, "layer_norm_epsilon");
        assertRefused(folder, TestConfigs.small("bert"), 4, "model_type");
        assertRefused(folder, config, 1, "stages.layers=[4]");
        assertRefused(dir.resolve("absent"), config, 4, "not a directory");
        Files.delete(folder.resolve("model.safetensors"));
        assertRefused(folder, config, 4, "model.safetensors is missing");
    }

    @Test
    void extraOrAlteredTensorsAreRefused() throws IOException {
        ApolloConfig config = TestConfigs.small("bert");
        Path folder = dir.resolve("bert");
        HfExport.write(checkpoint(config, 4), 4, folder);
        Path weights = folder.resolve("model.safetensors");
        List<NamedTensor> tensors = new ArrayList<>(Safetensors.read(weights));
        List<NamedTensor> withTokenTypes = new ArrayList<>();
        for (NamedTensor tensor : tensors) {
            boolean tokenTypes = tensor.name().equals("bert.embeddings.token_type_embeddings.weight");
            float[] values = tensor.values().clone();
            if (tokenTypes) {
                values[3] = 0.5f;
            }
            withTokenTypes.add(new NamedTensor(tensor.name(), tensor.shape(), values));
        }
        Files.delete(weights);
        Safetensors.write(weights, withTokenTypes);
        assertRefused(folder, config, 4, "not all zeros");
        tensors.add(new NamedTensor("cls.predictions.decoder.weight", new long[] {1}, new float[] {1f}));
        Files.delete(weights);
        Safetensors.write(weights, tensors);
        assertRefused(folder, config, 4, "cls.predictions.decoder.weight");
    }

    private static void assertRefused(Path folder, ApolloConfig config, int weights, String expected) {
        CheckpointError error = assertThrows(CheckpointError.class,
                () -> HfImport.read(folder, config.model(), weights, Vocabulary.BYTES));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
        assertEquals(1, error.getMessage().lines().count(), error.getMessage());
    }

    private static float[] find(TensorState state, String name) {
        return state.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().values();
    }

    private static Map<String, NamedTensor> byName(List<NamedTensor> tensors) {
        Map<String, NamedTensor> map = new java.util.LinkedHashMap<>();
        tensors.forEach(t -> map.put(t.name(), t));
        return map;
    }
}
