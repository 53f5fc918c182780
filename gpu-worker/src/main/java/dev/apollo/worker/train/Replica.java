package dev.apollo.worker.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.Objective;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.data.Batch;
import dev.apollo.worker.data.BatchSource;
import dev.apollo.worker.model.AdamW;
import dev.apollo.worker.model.Bert;
import dev.apollo.worker.model.Gpt;
import dev.apollo.worker.model.LanguageModel;
import dev.apollo.worker.model.ModelParameters;
import dev.apollo.worker.node.TentativeUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import static dev.apollo.protocol.TensorState.FIRST_MOMENT_PREFIX;
import static dev.apollo.protocol.TensorState.SECOND_MOMENT_PREFIX;

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
    private FixedPointGradients gradientSum;
    private final TentativeUpdate<PendingUpdate> pending = new TentativeUpdate<>();

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

    /** The update of a step that is computed but not applied yet: it is applied when the run moves on. */
    private record PendingUpdate(double lr, double gradientNorm) {}

    /**
     * The outcome of one training step, the same on every owner: the mean loss and gradient norm of the whole batch,
     * or, if the step was skipped for a non-finite loss or gradient, NaN for both.
     */
    public record StepOutcome(boolean skipped, double loss, double gradientNorm) {

        static final StepOutcome SKIPPED = new StepOutcome(true, Double.NaN, Double.NaN);
    }

    /**
     * DJL allows one gradient collector at a time in a process: replicas that share one (workers as threads of one
     * process) take turns at forward and backward, and exchange their sums concurrently.
     */
    private static final Object GRADIENT_COLLECTION = new Object();

    /**
     * Forward and backward at the depth of {@code layerMap} on micro-batches [first, first + count) of the step's
     * global batch, each alone, their gradients summed exactly ({@link FixedPointGradients}) and then over the
     * step's owners by {@code exchange}; then one optimizer update at learning rate {@code lr} with the mean over
     * every micro-batch of the batch. The result does not depend on how the micro-batches were shared out.
     *
     * <p>The update stays tentative until the run moves on ({@link TentativeUpdate}): a re-run of the step drops it;
     * anything else applies it first.
     *
     * <p>A step whose loss or gradient was not finite (or too large to sum exactly) on any owner is skipped: every
     * owner sees it in the exchanged sum, so all skip together, and none has an update to apply (as GradScaler or
     * Megatron skip such a step); the state stays as it was before the step.
     */
    public StepOutcome trainStep(long step, int[] layerMap, double lr, int first, int count,
            GradientExchange exchange) {
        apply(pending.before(step));
        Batch batch = data.trainBatch(config.train().seed(), step, config.train().batchSize());
        int rows = config.train().microBatchRows();
        int microBatches = config.train().microBatches();
        FixedPointGradients sum = gradientSum();
        sum.clear();
        for (int microBatch = first; microBatch < first + count; microBatch++) {
            try (NDManager scope = root.newSubManager()) {
                scope.tempAttachAll(stateArrays());
                scope.tempAttachAll(sum.arrays().toArray(NDArray[]::new));
                NDArray inputs = rows(scope, batch.inputs(), batch.seqLen(), microBatch * rows, rows);
                NDArray targets = rows(scope, batch.targets(), batch.seqLen(), microBatch * rows, rows);
                synchronized (GRADIENT_COLLECTION) {
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = model.loss(params, layerMap, inputs, targets);
                        collector.backward(loss);
                        List<NDArray> gradients = new ArrayList<>();
                        for (NDArray param : params.arrays()) {
                            gradients.add(param.getGradient());
                        }
                        sum.add(gradients, loss);
                        for (NDArray param : params.arrays()) {
                            JniUtils.zeroGrad((PtNDArray) param);
                        }
                    }
                }
            }
        }
        sum.seal();
        exchange.sum(sum.buffer(), sum.elements());
        if (!sum.finite()) {
            return StepOutcome.SKIPPED;
        }
        double loss = sum.meanLoss(microBatches);
        double gradientNorm = withMeanGradients(AdamW::gradientNorm);
        pending.hold(step, new PendingUpdate(lr, gradientNorm));
        return new StepOutcome(false, loss, gradientNorm);
    }

    /**
     * Before the worker acts on the state at {@code boundary} (the state before that step): the update of the step
     * last trained is applied if the run moved past it, and dropped if the run went back to it.
     */
    public void prepareFor(long boundary) {
        apply(pending.before(boundary));
    }

    /** Applies the update of the step last trained, if it is still tentative: for a use outside the run's commands. */
    public void commit() {
        apply(pending.take());
    }

    private void apply(PendingUpdate update) {
        if (update != null) {
            withMeanGradients(gradients -> {
                optimizer.update(params, gradients, update.lr(), update.gradientNorm());
                return null;
            });
        }
    }

    /** {@code use} applied to the mean gradient of every parameter, from the exchanged sum, in one scope. */
    private <T> T withMeanGradients(Function<List<NDArray>, T> use) {
        int microBatches = config.train().microBatches();
        FixedPointGradients sum = gradientSum();
        try (NDManager scope = root.newSubManager()) {
            scope.tempAttachAll(stateArrays());
            scope.tempAttachAll(sum.arrays().toArray(NDArray[]::new));
            List<NDArray> gradients = new ArrayList<>();
            for (int i = 0; i < params.arrays().size(); i++) {
                gradients.add(sum.mean(i, microBatches));
            }
            return use.apply(gradients);
        }
    }

    /** Mean validation loss over the first {@code batches} fixed validation batches, at the depth of the map. */
    public double validationLoss(int[] layerMap, int batches) {
        commit();
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
        commit();
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
        if (gradientSum != null) {
            gradientSum.close();
        }
        root.close();
    }

    /** The gradient sum, shaped for the parameters held now (remade when a state is loaded). */
    private FixedPointGradients gradientSum() {
        if (gradientSum == null) {
            gradientSum = new FixedPointGradients(root, params.arrays(), config.train().microBatches());
        }
        return gradientSum;
    }

    private void load(TensorState state, int weights) {
        pending.drop();
        if (gradientSum != null) {
            gradientSum.close();
            gradientSum = null;
        }
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
