package dev.apollo.worker.export;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.apollo.protocol.NamedTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes F32 tensors as safetensors with the {@code __metadata__} entry {@code {"format": "pt"}}, which
 * {@code transformers} checks before loading (some versions refuse a file without it). The checkpoint writer
 * ({@link dev.apollo.worker.checkpoint.Safetensors}) writes no metadata; reading needs none, so export reads back
 * with that class.
 */
final class HfSafetensorsWriter {

    private static final int CHUNK = 1 << 20;

    private HfSafetensorsWriter() {}

    /** Writes {@code tensors} contiguously in order, data 8-byte aligned, and forces the file to disk. */
    static void write(Path file, List<NamedTensor> tensors) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("format", "pt");
        header.add("__metadata__", metadata);
        long offset = 0;
        for (NamedTensor tensor : tensors) {
            long bytes = (long) tensor.values().length * Float.BYTES;
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (long dimension : tensor.shape()) {
                shape.add(dimension);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            entry.add("data_offsets", offsets);
            header.add(tensor.name(), entry);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padding = (8 - json.length % 8) % 8; // spaces, as the format allows, so the data starts 8-byte aligned
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + json.length + padding).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length + padding).put(json);
            for (int i = 0; i < padding; i++) {
                head.put((byte) ' ');
            }
            writeFully(channel, head.flip());
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (NamedTensor tensor : tensors) {
                for (float value : tensor.values()) {
                    if (!buffer.hasRemaining()) {
                        writeFully(channel, buffer.flip());
                        buffer.clear();
                    }
                    buffer.putFloat(value);
                }
            }
            writeFully(channel, buffer.flip());
            channel.force(true);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
