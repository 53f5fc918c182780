package dev.apollo.worker.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.Objective;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import static dev.apollo.protocol.TensorState.FIRST_MOMENT_PREFIX;
import static dev.apollo.protocol.TensorState.SECOND_MOMENT_PREFIX;
import dev.apollo.worker.data.Batch;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.model.AdamW;
import dev.apollo.worker.model.Bert;
import dev.apollo.worker.model.Gpt;
import dev.apollo.worker.model.LanguageModel;
import dev.apollo.worker.model.ModelParameters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One device's copy of the model and optimizer, and the three things done with it: a training step on some rows
 * of a global batch at a given layer map, a validation pass, and export or import of the whole state. Every step
 * runs in its own NDManager scope, so no intermediate array outlives it.
 */
public final class Replica implements AutoCloseable {

    private final ApolloConfig config;
    private final BatchSource data;
    private final NDManager root;
    private final NDManager stateManager;
    private final LanguageModel model;
    private ModelParameters params;
    private AdamW optimizer;

    /** A replica holding {@code state}, or freshly initialized parameters with {@code weights} real layers if null. */
    public Replica(ApolloConfig config, BatchSource data, Device device, int weights, TensorState state) {
        this.config = config;
        this.data = data;
        this.root = NDManager.newBaseManager(device);
        this.stateManager = root.newSubManager();
        this.model = config.model().objective() == Objective.GPT ? new Gpt(root, config.model()) : new Bert(config.model());
        try {
            if (state == null) {
                params = ModelParameters.initialize(stateManager, config.model(), weights, config.train().seed());
                optimizer = new AdamW(stateManager, params, config.optimizer(), Map.of(), Map.of(), 0);
            } else {
                load(state, weights);
            }
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** The outcome of one training step on this replica's rows. */
    public record StepOutcome(double loss, double gradientNorm) {}

    /**
     * Forward and backward at the depth of {@code layerMap} on rows [firstRow, firstRow + rows) of the step's
     * global batch, then one optimizer update at learning rate {@code lr}.
     */
    public StepOutcome trainStep(long step, int[] layerMap, double lr, int firstRow, int rows) {
        Batch batch = data.trainBatch(config.train().seed(), step, config.train().batchSize());
        try (NDManager scope = root.newSubManager()) {
            scope.tempAttachAll(stateArrays());
            NDArray inputs = rows(scope, batch.inputs(), batch.seqLen(), firstRow, rows);
            NDArray targets = rows(scope, batch.targets(), batch.seqLen(), firstRow, rows);
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray lossArray = model.loss(params, layerMap, inputs, targets);
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            double gradientNorm = optimizer.gradientNorm(params);
            optimizer.update(params, lr, gradientNorm);
            return new StepOutcome(loss, gradientNorm);
        }
    }

    /** Mean validation loss over the first {@code batches} fixed validation batches, at the depth of the map. */
    public double validationLoss(int[] layerMap, int batches) {
        int batchSize = config.train().batchSize();
        int available = data.validationBatchCount(batchSize);
        double total = 0;
        int count = Math.max(1, Math.min(batches, available));
        // PyTorch's grad mode is per thread and on by default on a worker's thread; DJL's API has no no-grad scope.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scope = root.newSubManager()) {
            scope.tempAttachAll(stateArrays());
            for (int i = 0; i < count; i++) {
                Batch batch = data.validationBatch(i, batchSize);
                try (NDManager batchScope = scope.newSubManager()) {
                    NDArray inputs = rows(batchScope, batch.inputs(), batch.seqLen(), 0, batchSize);
                    NDArray targets = rows(batchScope, batch.targets(), batch.seqLen(), 0, batchSize);
                    total += model.loss(params, layerMap, inputs, targets).getFloat();
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return total / count;
    }

    /** Parameters and moments as named fp32 tensors, plus the optimizer's update count. */
    public TensorState exportState() {
        List<NamedTensor> tensors = new ArrayList<>();
        params.byName().forEach((name, array) -> tensors.add(named(name, array)));
        optimizer.firstMoments().forEach((name, array) -> tensors.add(named(FIRST_MOMENT_PREFIX + name, array)));
        optimizer.secondMoments().forEach((name, array) -> tensors.add(named(SECOND_MOMENT_PREFIX + name, array)));
        return new TensorState(tensors, optimizer.updates());
    }

    /** Replaces the whole state, e.g. after an expansion to {@code weights} real layers. */
    public void importState(TensorState state, int weights) {
        NDArray[] old = stateArrays();
        load(state, weights);
        for (NDArray array : old) {
            array.close();
        }
    }

    @Override
    public void close() {
        root.close();
    }

    private void load(TensorState state, int weights) {
        Map<String, Shape> expected = ModelParameters.shapes(config.model(), weights);
        Map<String, float[]> values = new HashMap<>();
        Map<String, float[]> first = new HashMap<>();
        Map<String, float[]> second = new HashMap<>();
        for (NamedTensor tensor : state.tensors()) {
            String name = tensor.name();
            Map<String, float[]> target = values;
            if (name.startsWith(FIRST_MOMENT_PREFIX)) {
                name = name.substring(FIRST_MOMENT_PREFIX.length());
                target = first;
            } else if (name.startsWith(SECOND_MOMENT_PREFIX)) {
                name = name.substring(SECOND_MOMENT_PREFIX.length());
                target = second;
            }
            Shape shape = expected.get(name);
            if (shape == null || !shape.equals(new Shape(tensor.shape()))) {
                throw new IllegalArgumentException("tensor " + tensor.name() + " " + new Shape(tensor.shape())
                        + " does not belong to this model (expected " + (shape == null ? "no such tensor" : shape) + ")");
            }
            target.put(name, tensor.values());
        }
        params = ModelParameters.of(stateManager, config.model(), weights, values);
        optimizer = new AdamW(stateManager, params, config.optimizer(), first, second, state.optimizerUpdates());
    }

    private NDArray[] stateArrays() {
        List<NDArray> arrays = new ArrayList<>(params.arrays());
        arrays.addAll(optimizer.firstMoments().values());
        arrays.addAll(optimizer.secondMoments().values());
        return arrays.toArray(NDArray[]::new);
    }

    private static NDArray rows(NDManager manager, int[] values, int seqLen, int firstRow, int rows) {
        long[] slice = new long[rows * seqLen];
        int offset = firstRow * seqLen;
        for (int i = 0; i < slice.length; i++) {
            slice[i] = values[offset + i];
        }
        return manager.create(slice, new Shape(rows, seqLen));
    }

    private static NamedTensor named(String name, NDArray array) {
        return new NamedTensor(name, array.getShape().getShape(), array.toFloatArray());
    }
}
