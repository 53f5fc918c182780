package dev.apollo.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TensorState} as bytes for the tensor plane: the update count, the tensor count, then each tensor's name,
 * shape and little-endian fp32 values. Decoding checks every length against what is left, so a truncated or foreign
 * payload is refused with a clear message rather than misread.
 */
public final class TensorStateCodec {

    private static final int MAGIC = 0x41505354; // "APST"

    private TensorStateCodec() {}

    public static ByteBuffer encode(TensorState state) {
        long size = 4L + 8 + 4;
        for (NamedTensor tensor : state.tensors()) {
            size += 4 + tensor.name().getBytes(StandardCharsets.UTF_8).length + 4 + 8L * tensor.shape().length
                    + 4L * tensor.values().length;
        }
        ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putLong(state.optimizerUpdates()).putInt(state.tensors().size());
        for (NamedTensor tensor : state.tensors()) {
            byte[] name = tensor.name().getBytes(StandardCharsets.UTF_8);
            out.putInt(name.length).put(name).putInt(tensor.shape().length);
            for (long dimension : tensor.shape()) {
                out.putLong(dimension);
            }
            out.asFloatBuffer().put(tensor.values());
            out.position(out.position() + 4 * tensor.values().length);
        }
        return out.flip();
    }

    public static TensorState decode(ByteBuffer bytes) {
        ByteBuffer in = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        need(in, 16, "header");
        if (in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a tensor state: the payload does not start with its magic number");
        }
        long updates = in.getLong();
        int count = in.getInt();
        List<NamedTensor> tensors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            need(in, 4, "tensor " + i);
            int nameLength = in.getInt();
            need(in, nameLength + 4L, "tensor " + i + "'s name");
            byte[] name = new byte[nameLength];
            in.get(name);
            int rank = in.getInt();
            need(in, 8L * rank, "tensor " + i + "'s shape");
            long[] shape = new long[rank];
            long size = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = in.getLong();
                size *= shape[d];
            }
            need(in, 4 * size, "tensor " + i + "'s values");
            float[] values = new float[Math.toIntExact(size)];
            in.asFloatBuffer().get(values);
            in.position(in.position() + 4 * values.length);
            tensors.add(new NamedTensor(new String(name, StandardCharsets.UTF_8), shape, values));
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("tensor state has " + in.remaining() + " bytes after its last tensor");
        }
        return new TensorState(tensors, updates);
    }

    private static void need(ByteBuffer in, long bytes, String what) {
        if (bytes < 0 || in.remaining() < bytes) {
            throw new IllegalArgumentException("tensor state truncated in " + what + ": " + in.remaining()
                    + " bytes left, " + bytes + " needed");
        }
    }
}
