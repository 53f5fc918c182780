package dev.apollo.worker.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    @TempDir
    Path dir;

    private static TensorState state(float seed) {
        return new TensorState(List.of(
                new NamedTensor("embed.token", new long[] {2, 3}, new float[] {seed, 1, 2, 3, 4, -0f}),
                new NamedTensor("layers.0.mlp.fc.bias", new long[] {2}, new float[] {Float.MIN_VALUE, 7}),
                new NamedTensor("adam.m.embed.token", new long[] {2, 3}, new float[] {1e-30f, 0, 0, 0, 0, 5}),
                new NamedTensor("adam.v.embed.token", new long[] {2, 3}, new float[] {1, 1, 1, 1, 1, 1})), 42);
    }

    @Test
    void roundTripIsExactAndFindsTheNewest() throws IOException {
        CheckpointStore store = new CheckpointStore(dir.resolve("checkpoints"), "apollo { }");
        store.write(new RunSnapshot(10, 0, 1, 5, 100, 1e9), state(0.5f));
        Path newest = store.write(new RunSnapshot(20, 1, 2, 5, 200, 2e9), state(0.25f));
        Checkpoint read = CheckpointStore.read(dir); // a run directory: its newest checkpoint
        assertEquals(newest, read.location());
        assertEquals(new RunSnapshot(20, 1, 2, 5, 200, 2e9), read.snapshot());
        assertEquals(state(0.25f).digest(), read.state().digest());
        assertEquals(42, read.state().optimizerUpdates());
        assertEquals("apollo { }", read.manifest().config());
        assertArrayEquals(new float[] {0.25f, 1, 2, 3, 4, -0f}, read.state().tensors().get(0).values());
        assertTrue(Files.exists(newest.resolve("model.safetensors")));
    }

    @Test
    void truncatedOrAlteredFilesAreRefused() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, "apollo { }");
        Path location = store.write(new RunSnapshot(10, 0, 1, 5, 100, 1e9), state(1f));
        Path model = location.resolve("model.safetensors");
        byte[] original = Files.readAllBytes(model);

        try (RandomAccessFile file = new RandomAccessFile(model.toFile(), "rw")) {
            file.setLength(original.length - 4);
        }
        var truncated = assertThrows(CheckpointError.class, () -> CheckpointStore.read(location));
        assertTrue(truncated.getMessage().contains("model.safetensors fails its checksum"), truncated.getMessage());

        byte[] altered = original.clone();
        altered[altered.length - 1] ^= 1;
        Files.write(model, altered);
        assertThrows(CheckpointError.class, () -> CheckpointStore.read(location));

        Files.write(model, original);
        Files.writeString(location.resolve("manifest.json"),
                Files.readString(location.resolve("manifest.json")).replace("\"nextStep\": 10", "\"nextStep\": 11"));
        var manifest = assertThrows(CheckpointError.class, () -> CheckpointStore.read(location));
        assertTrue(manifest.getMessage().contains("manifest.json fails its checksum"), manifest.getMessage());

        Files.delete(location.resolve("SHA256SUMS"));
        var incomplete = assertThrows(CheckpointError.class, () -> CheckpointStore.read(location));
        assertTrue(incomplete.getMessage().contains("incomplete"), incomplete.getMessage());
    }

    @Test
    void missingCheckpointIsAClearError() {
        var error = assertThrows(CheckpointError.class, () -> CheckpointStore.read(dir.resolve("nowhere")));
        assertTrue(error.getMessage().startsWith("no checkpoint at"), error.getMessage());
        var empty = assertThrows(CheckpointError.class, () -> CheckpointStore.read(dir));
        assertTrue(empty.getMessage().startsWith("no checkpoint at"), empty.getMessage());
    }

    @Test
    void rewritingAStepKeepsTheEarlierCheckpoint() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, "apollo { }");
        store.write(new RunSnapshot(10, 0, 1, 5, 100, 1e9), state(1f));
        store.write(new RunSnapshot(10, 0, 1, 5, 100, 1e9), state(2f));
        assertEquals(state(1f).digest(), CheckpointStore.read(dir.resolve("step-00000010.superseded-1")).state().digest());
        assertEquals(state(2f).digest(), CheckpointStore.read(dir.resolve("step-00000010")).state().digest());
    }
}
