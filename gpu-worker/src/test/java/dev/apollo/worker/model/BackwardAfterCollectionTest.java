package dev.apollo.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.Objective;
import dev.apollo.protocol.TensorNames;
import dev.apollo.worker.TestConfigs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The backward pass must not depend on when the garbage collector runs. Every tensor autograd keeps for the
 * backward pass has to stay alive until it is done: a tensor made from Java memory and freed after the forward
 * pass (as DJL's {@code mul(Number)} does with its scalar) is read after the collector has released it, and the
 * gradient then holds whatever was written there since.
 */
class BackwardAfterCollectionTest {

    @Test
    void gradientsAreTheSameWhenMemoryIsCollectedAndReusedBetweenForwardAndBackward() {
        for (String objective : new String[] {"gpt", "bert"}) {
            ApolloConfig config = TestConfigs.small(objective);
            float[] quiet = gradient(config, false);
            float[] collected = gradient(config, true);
            assertArrayEquals(quiet, collected, objective + ": the query/key gradient changed after a collection");
        }
    }

    private static float[] gradient(ApolloConfig config, boolean collectBeforeBackward) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ModelParameters params = ModelParameters.initialize(manager, config.model(), 2, 5);
            LanguageModel model = config.model().objective() == Objective.GPT
                    ? new Gpt(manager, config.model())
                    : new Bert(config.model());
            long[] tokens = new long[2 * 16];
            long[] targets = new long[2 * 16];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = (i * 37) % 256;
                targets[i] = (i * 53 + 1) % 256;
            }
            try (NDManager scope = manager.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.loss(params, new int[] {0, 1, 1},
                        scope.create(tokens, new Shape(2, 16)), scope.create(targets, new Shape(2, 16)));
                if (collectBeforeBackward) {
                    collectAndOverwriteFreedMemory();
                }
                collector.backward(loss);
            }
            return params.get(TensorNames.block(0, TensorNames.ATTN_QKV_WEIGHT)).getGradient().toFloatArray();
        }
    }

    /** Runs collections so freed direct buffers are released, then fills fresh small ones so that memory is reused. */
    private static void collectAndOverwriteFreedMemory() {
        List<ByteBuffer> filler = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(50); // the cleaner thread frees direct buffers after the collection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int i = 0; i < 2_000; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(4 + (i % 4) * 4).order(ByteOrder.nativeOrder());
                while (buffer.hasRemaining()) {
                    buffer.putFloat(1.0e6f);
                }
                filler.add(buffer);
            }
        }
    }
}
