package dev.apollo.protocol;

import java.util.Arrays;

/** A named fp32 tensor in row-major order, the unit in which weights and optimizer moments move. */
public record NamedTensor(String name, long[] shape, float[] values) {

    public NamedTensor {
        long size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (size != values.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + size
                    + " values, got " + values.length);
        }
    }
}
