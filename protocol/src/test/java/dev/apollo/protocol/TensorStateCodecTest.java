package dev.apollo.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** States cross the tensor plane as bytes: exact both ways, and a damaged payload is refused, not misread. */
class TensorStateCodecTest {

    private static final TensorState STATE = new TensorState(List.of(
            new NamedTensor("layers.0.attn.qkv.weight", new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE,
                    -0f, 1e-30f}),
            new NamedTensor("adam.m.ln_f.bias", new long[] {3}, new float[] {0.25f, 7, -9}),
            new NamedTensor("empty", new long[] {0}, new float[0])), 41);

    @Test
    void roundTripsToTheSameDigest() {
        TensorState decoded = TensorStateCodec.decode(TensorStateCodec.encode(STATE));
        assertEquals(STATE.digest(), decoded.digest());
        assertEquals(41, decoded.optimizerUpdates());
    }

    @Test
    void truncatedForeignOrPaddedPayloadsAreRefused() {
        ByteBuffer bytes = TensorStateCodec.encode(STATE);
        ByteBuffer truncated = bytes.duplicate().limit(bytes.limit() - 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TensorStateCodec.decode(truncated))
                .getMessage().startsWith("tensor state truncated in tensor 2's shape"));
        ByteBuffer foreign = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        assertEquals("not a tensor state: the payload does not start with its magic number",
                assertThrows(IllegalArgumentException.class, () -> TensorStateCodec.decode(foreign)).getMessage());
        ByteBuffer padded = ByteBuffer.allocate(bytes.remaining() + 1).put(bytes.duplicate()).put((byte) 0).flip();
        assertEquals("tensor state has 1 bytes after its last tensor",
                assertThrows(IllegalArgumentException.class, () -> TensorStateCodec.decode(padded)).getMessage());
    }

    @Test
    void planeTagsFollowTheOrderOfABoundary() {
        // checkpoint, then the expansion's states, then the step's gradients; the next boundary after all of them
        assertTrue(PlaneTags.checkpoint(7) < PlaneTags.state(7, 0));
        assertTrue(PlaneTags.state(7, 0) < PlaneTags.state(7, 3));
        assertTrue(PlaneTags.state(7, 3) < PlaneTags.gradients(7, 0));
        assertTrue(PlaneTags.gradients(7, 0) < PlaneTags.gradients(7, 2));
        assertTrue(PlaneTags.gradients(7, 1000) < PlaneTags.checkpoint(8));
    }
}
