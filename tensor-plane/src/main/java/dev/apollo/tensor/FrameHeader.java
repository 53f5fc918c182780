package dev.apollo.tensor;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The header every tensor-plane frame starts with, read in place over a term buffer (a flyweight, in the manner of
 * Aeron's {@code DataHeaderFlyweight}): type, sender rank, tag, step, position and total, little-endian.
 */
final class FrameHeader {

    static final int RING_MESSAGE = 1;
    static final int BULK_MESSAGE = 2;
    /** The sender field of a bulk message: transfers are between processes, not ranks. */
    static final int NO_RANK = -1;

    static final int TYPE_OFFSET = 0;
    static final int SENDER_OFFSET = 4;
    static final int TAG_OFFSET = 8;
    static final int STEP_OFFSET = 16;
    /** Element index (ring) or byte index (bulk) of the chunk's first value within the whole. */
    static final int POSITION_OFFSET = 20;
    /** Elements in the ring part, or bytes in the bulk payload, the chunk belongs to. */
    static final int TOTAL_OFFSET = 24;
    /** 28 bytes of fields padded to 32, so that values stay 8-byte aligned in the term buffer. */
    static final int LENGTH = 32;

    private DirectBuffer buffer;
    private int offset;

    FrameHeader wrap(DirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    int type() {
        return buffer.getInt(offset + TYPE_OFFSET, LITTLE_ENDIAN);
    }

    int sender() {
        return buffer.getInt(offset + SENDER_OFFSET, LITTLE_ENDIAN);
    }

    long tag() {
        return buffer.getLong(offset + TAG_OFFSET, LITTLE_ENDIAN);
    }

    int step() {
        return buffer.getInt(offset + STEP_OFFSET, LITTLE_ENDIAN);
    }

    int position() {
        return buffer.getInt(offset + POSITION_OFFSET, LITTLE_ENDIAN);
    }

    int total() {
        return buffer.getInt(offset + TOTAL_OFFSET, LITTLE_ENDIAN);
    }

    /** Writes a header at {@code offset} of a claimed frame. */
    static void write(MutableDirectBuffer buffer, int offset, int type, int sender, long tag, int step, int position,
                      int total) {
        buffer.putInt(offset + TYPE_OFFSET, type, LITTLE_ENDIAN);
        buffer.putInt(offset + SENDER_OFFSET, sender, LITTLE_ENDIAN);
        buffer.putLong(offset + TAG_OFFSET, tag, LITTLE_ENDIAN);
        buffer.putInt(offset + STEP_OFFSET, step, LITTLE_ENDIAN);
        buffer.putInt(offset + POSITION_OFFSET, position, LITTLE_ENDIAN);
        buffer.putInt(offset + TOTAL_OFFSET, total, LITTLE_ENDIAN);
    }
}
