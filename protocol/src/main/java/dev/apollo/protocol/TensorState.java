package dev.apollo.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A replica's trainable state: parameters named like {@code layers.3.attn.qkv.weight}, Adam moments named
 * {@code adam.m.<parameter>} and {@code adam.v.<parameter>}, and the count of optimizer updates so far.
 */
public record TensorState(List<NamedTensor> tensors, long optimizerUpdates) {

    public static final String FIRST_MOMENT_PREFIX = "adam.m.";
    public static final String SECOND_MOMENT_PREFIX = "adam.v.";

    public TensorState {
        tensors = List.copyOf(tensors);
    }

    public static boolean isMoment(String name) {
        return name.startsWith(FIRST_MOMENT_PREFIX) || name.startsWith(SECOND_MOMENT_PREFIX);
    }

    /** SHA-256 over names, shapes, exact float bits and the update count: equal digests mean equal replicas. */
    public String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (NamedTensor tensor : tensors) {
                sha.update(tensor.name().getBytes(StandardCharsets.UTF_8));
                for (long dimension : tensor.shape()) {
                    buffer.putLong(dimension);
                }
                for (float value : tensor.values()) {
                    if (buffer.remaining() < Float.BYTES) {
                        sha.update(buffer.flip());
                        buffer.clear();
                    }
                    buffer.putFloat(value);
                }
                sha.update(buffer.flip());
                buffer.clear();
            }
            buffer.putLong(optimizerUpdates);
            sha.update(buffer.flip());
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
