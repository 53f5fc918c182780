package dev.apollo.worker.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.google.gson.JsonParser;
import dev.apollo.config.ApolloConfig;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.worker.TestConfigs;
import dev.apollo.worker.checkpoint.Safetensors;
import dev.apollo.worker.model.Bert;
import dev.apollo.worker.model.Gpt;
import dev.apollo.worker.model.ModelParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What transformers would compute from an exported folder equals what our model computes from the checkpoint: the
 * Hugging Face architectures' forward passes ({@link HfReferenceModels}) on the exported files against our GPT and
 * BERT on a mid-stage checkpoint (2 real layers run at depth 4 through the layer map).
 */
class HfReferenceForwardTest {

    // float32 against double through 4 layers; the tanh GELU alone moves the logits by far more than this
    private static final double TOLERANCE = 5e-5;

    @TempDir
    Path dir;

    @Test
    void engineGeluIsTheExactErfOne() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            float[] x = {-3f, -2f, -1f, -0.5f, 0.5f, 1f, 2f, 3f};
            float[] y = Activation.gelu(manager.create(x)).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(HfReferenceModels.geluExact(x[i]), y[i], 1e-6, "gelu(" + x[i] + ")");
            }
            assertTrue(Math.abs(HfReferenceModels.geluTanh(-2) - HfReferenceModels.geluExact(-2)) > 5e-5,
                    "the two variants differ where this test looks");
        }
    }

    @Test
    void gpt2ReferenceOnTheExportEqualsOurGpt() throws IOException {
        ApolloConfig config = TestConfigs.small("gpt");
        CheckpointModel model = exportedMidStage(config);
        int[] ids = tokens(config, 3);
        float[] ours;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ModelParameters params = ModelParameters.of(manager, config.model(), 2, model.values());
            ours = new Gpt(manager, config.model()).logits(params, model.layerMap(4), batch(manager, ids)).toFloatArray();
        }
        assertMatchesOnlyTheExactGelu(ours, reference(false).gpt2Logits(ids), reference(true).gpt2Logits(ids));
    }

    @Test
    void bertReferenceOnTheExportEqualsOurBert() throws IOException {
        ApolloConfig config = TestConfigs.small("bert");
        CheckpointModel model = exportedMidStage(config);
        int[] ids = tokens(config, 4);
        ids[5] = 259; // [MASK]
        float[] ours;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ModelParameters params = ModelParameters.of(manager, config.model(), 2, model.values());
            ours = new Bert(config.model()).logits(params, model.layerMap(4), batch(manager, ids)).toFloatArray();
        }
        assertMatchesOnlyTheExactGelu(ours, reference(false).bertLogits(ids), reference(true).bertLogits(ids));
    }

    private CheckpointModel exportedMidStage(ApolloConfig config) throws IOException {
        CheckpointModel model = CheckpointModel.read(ExportFixtures.checkpoint(dir.resolve("checkpoints"), config, 2, 3));
        HfExport.write(model, 4, dir.resolve("export"));
        return model;
    }

    private HfReferenceModels reference(boolean tanhGelu) throws IOException {
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        for (NamedTensor tensor : Safetensors.read(dir.resolve("export/model.safetensors"))) {
            tensors.put(tensor.name(), tensor);
        }
        return new HfReferenceModels(tensors,
                JsonParser.parseString(Files.readString(dir.resolve("export/config.json"))).getAsJsonObject(), tanhGelu);
    }

    private static void assertMatchesOnlyTheExactGelu(float[] ours, double[][] exact, double[][] tanh) {
        int vocab = exact[0].length;
        double exactError = 0;
        double tanhError = 0;
        double largest = 0;
        for (int t = 0; t < exact.length; t++) {
            for (int v = 0; v < vocab; v++) {
                exactError = Math.max(exactError, Math.abs(ours[t * vocab + v] - exact[t][v]));
                tanhError = Math.max(tanhError, Math.abs(ours[t * vocab + v] - tanh[t][v]));
                largest = Math.max(largest, Math.abs(exact[t][v]));
            }
        }
        assertEquals(ours.length, exact.length * vocab);
        assertTrue(largest > 1, "logits are not trivially small: " + largest);
        assertTrue(exactError < TOLERANCE, "our logits differ from the exported model's by " + exactError);
        assertTrue(tanhError > 10 * TOLERANCE, "the check can tell the GELU variants apart: " + tanhError);
    }

    private static int[] tokens(ApolloConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[config.model().seqLen()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(256);
        }
        return ids;
    }

    private static NDArray batch(NDManager manager, int[] ids) {
        long[] values = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            values[i] = ids[i];
        }
        return manager.create(values, new Shape(1, ids.length));
    }
}
