package dev.apollo.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A step's gradient summed over its micro-batches as 64-bit fixed-point integers (each value times 2^40, truncated
 * toward zero). Integer sums are exact, so the total does not depend on which worker computed which micro-batch or
 * in which order the parts were added: one worker, two or three give the same bits, and a step re-run after a crash
 * gives the fault-free result. One flat int64 tensor holds every parameter's gradient, then the loss, then the count
 * of parts that were not finite (so every owner learns of one); its memory is what the all-reduce exchanges,
 * without a copy. Gradients are converted on the device by the engine's own
 * kernels, so a micro-batch costs one vectorized pass over the parameters.
 */
final class FixedPointGradients implements AutoCloseable {

    /** 2^-40 resolves 9.1e-13; with the overflow bound below, values up to 2^23 / micro-batches fit. */
    static final int FRACTION_BITS = 40;
    private static final double SCALE = Math.scalb(1.0, FRACTION_BITS);

    private final NDManager manager;
    private final NDArray flat;
    private final List<NDArray> slots = new ArrayList<>();
    private final NDArray lossSlot;
    private final int elements;
    /** Largest |value| a micro-batch may contribute so that the sum over all micro-batches cannot overflow. */
    private final double limit;
    private final ByteBuffer exchanged;
    /** The largest magnitude added since {@link #clear()}; NaN once a non-finite value was added. */
    private double largest;

    /** Room for gradients shaped like {@code params}, summed over at most {@code microBatches} micro-batches. */
    FixedPointGradients(NDManager parent, Collection<NDArray> params, int microBatches) {
        manager = parent.newSubManager();
        long size = params.stream().mapToLong(param -> param.getShape().size()).sum() + 2;
        elements = Math.toIntExact(size);
        flat = manager.zeros(new Shape(size), DataType.INT64);
        long offset = 0;
        for (NDArray param : params) {
            long end = offset + param.getShape().size();
            slots.add(flat.get(new NDIndex(offset + ":" + end)).reshape(param.getShape()));
            offset = end;
        }
        lossSlot = flat.get(new NDIndex(offset + ":" + (offset + 1)));
        limit = Math.scalb(1.0, 62 - FRACTION_BITS) / microBatches;
        exchanged = JniUtils.getByteBuffer((PtNDArray) flat, true).order(ByteOrder.LITTLE_ENDIAN);
        if (!exchanged.isDirect()) {
            throw new IllegalStateException("the gradient sum is not a contiguous host tensor; an all-reduce over "
                    + "device memory (NCCL) would exchange it in place instead");
        }
    }

    /** Starts a step's sum at zero. */
    void clear() {
        flat.muli(0);
        largest = 0;
    }

    /**
     * Adds one micro-batch: the current gradient of every parameter, in order, and its loss. Temporaries are made
     * in the managers of the arguments (the caller's micro-batch scope).
     */
    void add(List<NDArray> gradients, NDArray loss) {
        NDList magnitudes = new NDList(gradients.size() + 1);
        for (int i = 0; i < gradients.size(); i++) {
            NDArray gradient = gradients.get(i);
            slots.get(i).addi(gradient.mul(SCALE).toType(DataType.INT64, false));
            magnitudes.add(gradient.abs().max());
        }
        lossSlot.addi(loss.reshape(1).mul(SCALE).toType(DataType.INT64, false));
        magnitudes.add(loss.abs().reshape(new Shape()));
        // one read per micro-batch; max propagates NaN, and Math.max keeps it
        largest = Math.max(largest, NDArrays.stack(magnitudes).max().getFloat());
    }

    /**
     * Ends this worker's part: counts it as not finite if a value added since {@link #clear()} was NaN, infinite or
     * too large to sum exactly (such values became arbitrary integers).
     */
    void seal() {
        if (!(largest < limit)) { // true for NaN
            exchanged.putLong((elements - 1) * Long.BYTES, 1);
        }
    }

    /** After the exchange: whether every owner's part was finite. */
    boolean finite() {
        return exchanged.getLong((elements - 1) * Long.BYTES) == 0;
    }

    /** The little-endian int64 values the all-reduce sums in place. */
    ByteBuffer buffer() {
        return exchanged;
    }

    int elements() {
        return elements;
    }

    /**
     * Parameter {@code index}'s gradient, the mean over {@code microBatches}, as fp32. Made in the manager the
     * sum's arrays are attached to: a step scope that took {@link #arrays()}.
     */
    NDArray mean(int index, int microBatches) {
        return slots.get(index).toType(DataType.FLOAT64, false).mul(1.0 / SCALE).div(microBatches)
                .toType(DataType.FLOAT32, false);
    }

    /** The arrays a scope attaches for a step, so that what is computed from them is freed with it. */
    List<NDArray> arrays() {
        List<NDArray> arrays = new ArrayList<>(slots);
        arrays.add(flat);
        arrays.add(lossSlot);
        return arrays;
    }

    /** The mean loss over {@code microBatches}. */
    double meanLoss(int microBatches) {
        return Math.scalb((double) exchanged.getLong((elements - 2) * Long.BYTES), -FRACTION_BITS) / microBatches;
    }

    @Override
    public void close() {
        manager.close();
    }

}
