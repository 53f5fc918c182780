package dev.apollo.worker.checkpoint;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.apollo.protocol.NamedTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header of name to dtype, shape and byte
 * offsets, then the raw little-endian data), streamed through one reusable buffer so files past 2 GiB work.
 * Only F32 tensors are written and read: everything the trainer stores is fp32. Files carry the metadata
 * {@code {"format": "pt"}} that Hugging Face {@code transformers} expects, so exports are written here too.
 */
public final class Safetensors {

    private static final Gson GSON = new Gson();
    private static final int CHUNK = 1 << 20;

    private Safetensors() {}

    /** Writes {@code tensors} in order and forces the file to disk before returning. */
    public static void write(Path file, List<NamedTensor> tensors) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt")); // transformers refuses files without it
        long offset = 0;
        for (NamedTensor tensor : tensors) {
            long bytes = (long) tensor.values().length * Float.BYTES;
            // in a fixed key order, so the same tensors give the same header bytes in every run (Map.of's order
            // changes from JVM to JVM)
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", tensor.shape());
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(tensor.name(), entry);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padding = (8 - json.length % 8) % 8; // the data starts 8-byte aligned
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + json.length + padding).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length + padding).put(json);
            for (int i = 0; i < padding; i++) {
                head.put((byte) ' ');
            }
            writeFully(channel, head.flip());
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

    /** Reads every tensor; a malformed header, a non-F32 tensor or a short file is an {@link IOException}. */
    public static List<NamedTensor> read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > channel.size()) {
                throw new IOException(file + ": not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes);
            JsonObject header;
            try {
                header = GSON.fromJson(new String(headerBytes.array(), StandardCharsets.UTF_8), JsonObject.class);
            } catch (JsonParseException e) {
                throw new IOException(file + ": malformed safetensors header");
            }
            long dataStart = 8 + headerLength;
            List<NamedTensor> tensors = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (String name : header.keySet()) {
                if (name.equals("__metadata__")) {
                    continue;
                }
                JsonObject entry = header.getAsJsonObject(name);
                if (!"F32".equals(entry.get("dtype").getAsString())) {
                    throw new IOException(file + ": tensor " + name + " is " + entry.get("dtype") + ", only F32 is read");
                }
                JsonArray shapeJson = entry.getAsJsonArray("shape");
                long[] shape = new long[shapeJson.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                    count *= shape[i];
                }
                JsonArray offsets = entry.getAsJsonArray("data_offsets");
                long begin = offsets.get(0).getAsLong();
                long end = offsets.get(1).getAsLong();
                if (end - begin != count * Float.BYTES || dataStart + end > channel.size()) {
                    throw new IOException(file + ": tensor " + name + " runs past the end of the file");
                }
                float[] values = new float[Math.toIntExact(count)];
                channel.position(dataStart + begin);
                int filled = 0;
                while (filled < values.length) {
                    buffer.clear().limit(Math.min(CHUNK, (values.length - filled) * Float.BYTES));
                    readFully(channel, buffer);
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        values[filled++] = buffer.getFloat();
                    }
                }
                tensors.add(new NamedTensor(name, shape, values));
            }
            return tensors;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
