package dev.apollo.worker.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.worker.model.Gpt;
import dev.apollo.worker.model.ModelParameters;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A GPT's parameters on a device with a fixed layer map, for forward passes only: the loss of token windows, the
 * trainer's computation exactly ({@link Gpt#loss}, as its validation runs it), and the next-token logits of a
 * context. Autograd is off during each pass; every pass runs in its own scope, so nothing outlives it.
 */
public final class GptInference implements AutoCloseable {

    private final ModelConfig shape;
    private final int[] layerMap;
    private final NDManager root;
    private final ModelParameters params;

    private GptInference(ModelConfig shape, int weights, Map<String, float[]> parameters, int[] layerMap,
            Device device) {
        if (shape.objective() != Objective.GPT) {
            throw new IllegalArgumentException("forward passes here are a causal LM's; the model is " + shape.objective());
        }
        this.shape = shape;
        this.layerMap = layerMap.clone();
        this.root = NDManager.newBaseManager(device);
        try {
            this.params = ModelParameters.of(root.newSubManager(), shape, weights, parameters);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** The checkpoint's model at its full depth L, through the run's sharing map, as the trainer validates it. */
    public static GptInference atFullDepth(CheckpointModel model, Device device) {
        ModelConfig shape = model.config().model();
        return new GptInference(shape, model.weights(), model.values(), model.layerMap(shape.layers()), device);
    }

    public ModelConfig shape() {
        return shape;
    }

    /** Mean cross-entropy (nats) of {@code rows} windows: inputs and targets row-major [rows, seqLen]. */
    public double meanLoss(int[] inputs, int[] targets, int rows) {
        int seqLen = inputs.length / rows;
        return forward((gpt, scope) -> gpt.loss(params, layerMap, tokens(scope, inputs, rows, seqLen),
                tokens(scope, targets, rows, seqLen)).getFloat());
    }

    /** Logits over the vocabulary for the token after {@code context} (1 to seqLen tokens). */
    public float[] nextTokenLogits(int[] context) {
        int length = context.length;
        return forward((gpt, scope) -> gpt.logits(params, layerMap, tokens(scope, context, 1, length))
                .get(new NDIndex(0, length - 1)).toFloatArray());
    }

    @Override
    public void close() {
        root.close();
    }

    /** Runs {@code pass} with a model whose causal mask, like every intermediate, lives in the pass's scope. */
    private <T> T forward(BiFunction<Gpt, NDManager, T> pass) {
        // PyTorch's grad mode is per thread and on by default; DJL's API has no no-grad scope.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scope = root.newSubManager()) {
            scope.tempAttachAll(params.arrays().toArray(NDArray[]::new));
            return pass.apply(new Gpt(scope, shape), scope);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static NDArray tokens(NDManager manager, int[] ids, int rows, int length) {
        long[] values = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            values[i] = ids[i];
        }
        return manager.create(values, new Shape(rows, length));
    }
}
