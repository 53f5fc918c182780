package dev.apollo.worker.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apollo.protocol.NamedTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    /** The header's bytes depend on the tensors alone, not on a JVM's map order: equal checkpoints, equal files. */
    @Test
    void theHeaderSpellsEachTensorsKeysInOneFixedOrder() throws Exception {
        Path file = dir.resolve("t.safetensors");
        Safetensors.write(file, List.of(new NamedTensor("a", new long[] {2}, new float[] {1, 2}),
                new NamedTensor("b", new long[] {1, 1}, new float[] {3})));

        byte[] bytes = Files.readAllBytes(file);
        int length = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, length, StandardCharsets.UTF_8).strip();

        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}", header);
        assertEquals(List.of(new float[] {1, 2}[1], 3f), Safetensors.read(file).stream()
                .map(tensor -> tensor.values()[tensor.values().length - 1]).toList());
    }
}
