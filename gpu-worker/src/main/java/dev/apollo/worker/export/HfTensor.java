package dev.apollo.worker.export;

import dev.apollo.protocol.NamedTensor;
import dev.apollo.worker.checkpoint.CheckpointError;
import java.util.Arrays;
import java.util.Map;

/**
 * One tensor of a Hugging Face model and how it relates to ours: the same values, our [out, in] matrix transposed
 * (GPT-2's Conv1D stores [in, out]), a block of rows of ours (a fused QKV split into query, key and value), or
 * zeros where the Hugging Face model has a tensor ours does not (BERT's token type embeddings). Export and import
 * both read this one description, so one is the exact inverse of the other.
 */
record HfTensor(String name, long[] shape, String source, Relation relation, long firstRow) {

    enum Relation { SAME, TRANSPOSED, ROWS, ZEROS }

    static HfTensor same(String name, String source, long... shape) {
        return new HfTensor(name, shape, source, Relation.SAME, 0);
    }

    /** {@code shape} is the Hugging Face one, [in, out]; ours is [out, in]. */
    static HfTensor transposed(String name, String source, long... shape) {
        return new HfTensor(name, shape, source, Relation.TRANSPOSED, 0);
    }

    /** Rows [firstRow, firstRow + shape[0]) of ours (elements, for a vector). */
    static HfTensor rows(String name, String source, long firstRow, long... shape) {
        return new HfTensor(name, shape, source, Relation.ROWS, firstRow);
    }

    static HfTensor zeros(String name, long... shape) {
        return new HfTensor(name, shape, null, Relation.ZEROS, 0);
    }

    /** This tensor's values taken from ours (named as {@link dev.apollo.worker.model.ModelParameters} names them). */
    NamedTensor exportFrom(Map<String, NamedTensor> ours) {
        int size = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
        float[] values = new float[size];
        switch (relation) {
            case SAME -> System.arraycopy(ours.get(source).values(), 0, values, 0, size);
            case TRANSPOSED -> transpose(ours.get(source).values(), (int) shape[1], (int) shape[0], values);
            case ROWS -> System.arraycopy(ours.get(source).values(), (int) (firstRow * rowSize()), values, 0, size);
            case ZEROS -> { } // a new array is all zeros
        }
        return new NamedTensor(name, shape, values);
    }

    /**
     * Puts the values of {@code hf}, this tensor as read from a file, into ours; a {@link Relation#ZEROS} tensor
     * holding anything but zeros is refused, since our model has no place for it.
     */
    void importInto(NamedTensor hf, Map<String, float[]> ours, String where) {
        if (!Arrays.equals(shape, hf.shape())) {
            throw new CheckpointError(where + ": tensor " + name + " has shape " + Arrays.toString(hf.shape())
                    + ", this model needs " + Arrays.toString(shape));
        }
        float[] values = hf.values();
        switch (relation) {
            case SAME -> System.arraycopy(values, 0, ours.get(source), 0, values.length);
            case TRANSPOSED -> transpose(values, (int) shape[0], (int) shape[1], ours.get(source));
            case ROWS -> System.arraycopy(values, 0, ours.get(source), (int) (firstRow * rowSize()), values.length);
            case ZEROS -> {
                for (float value : values) {
                    if (value != 0f) {
                        throw new CheckpointError(where + ": tensor " + name
                                + " is not all zeros, and this model has no such tensor to hold it");
                    }
                }
            }
        }
    }

    private long rowSize() {
        return shape.length == 1 ? 1 : shape[1];
    }

    /** {@code to} [columns, rows] = transpose of {@code from} [rows, columns]. */
    private static void transpose(float[] from, int rows, int columns, float[] to) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                to[c * rows + r] = from[r * columns + c];
            }
        }
    }
}
