package dev.apollo.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.apollo.config.ApolloConfig;
import dev.apollo.protocol.TensorNames;
import dev.apollo.worker.TestConfigs;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A weight shared by several layers must receive the sum of the gradients it would get at each position: the
 * network with one real layer used three times equals, gradient for gradient, the network with three identical
 * copies used once each.
 */
class SharedGradientTest {

    @Test
    void sharedWeightGetsTheSumOfPerPositionGradients() {
        ApolloConfig config = TestConfigs.small("gpt");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ModelParameters shared = ModelParameters.initialize(manager, config.model(), 1, 11);
            Map<String, float[]> copies = new HashMap<>();
            shared.byName().forEach((name, array) -> {
                if (TensorNames.layerOf(name) == 0) {
                    for (int slot = 0; slot < 3; slot++) {
                        copies.put(TensorNames.block(slot, TensorNames.suffixOf(name)), array.toFloatArray());
                    }
                } else {
                    copies.put(name, array.toFloatArray());
                }
            });
            ModelParameters separate = ModelParameters.of(manager, config.model(), 3, copies);
            Gpt gpt = new Gpt(manager, config.model());
            long[] tokens = new long[2 * 16];
            long[] targets = new long[2 * 16];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = (i * 37) % 256;
                targets[i] = (i * 53 + 1) % 256;
            }
            NDArray inputs = manager.create(tokens, new Shape(2, 16));
            NDArray labels = manager.create(targets, new Shape(2, 16));

            float sharedLoss = backward(gpt, shared, new int[] {0, 0, 0}, inputs, labels);
            float separateLoss = backward(gpt, separate, new int[] {0, 1, 2}, inputs, labels);

            assertEquals(separateLoss, sharedLoss, 1e-6, "the two networks compute the same function");
            for (String part : List.of(TensorNames.ATTN_QKV_WEIGHT, TensorNames.ATTN_PROJ_WEIGHT,
                    TensorNames.MLP_FC_WEIGHT, TensorNames.NORM2_BIAS)) {
                float[] sharedGradient = shared.get(TensorNames.block(0, part)).getGradient().toFloatArray();
                float[] summed = new float[sharedGradient.length];
                for (int slot = 0; slot < 3; slot++) {
                    float[] g = separate.get(TensorNames.block(slot, part)).getGradient().toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        summed[i] += g[i];
                    }
                }
                assertArrayEquals(summed, sharedGradient, 1e-5f, part);
            }
        }
    }

    private static float backward(Gpt gpt, ModelParameters params, int[] map, NDArray inputs, NDArray labels) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = gpt.loss(params, map, inputs, labels);
            collector.backward(loss);
            return loss.getFloat();
        }
    }
}
