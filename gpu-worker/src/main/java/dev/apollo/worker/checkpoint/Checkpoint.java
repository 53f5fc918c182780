package dev.apollo.worker.checkpoint;

import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A verified checkpoint read back from {@code location}. */
public record Checkpoint(Path location, CheckpointManifest manifest, TensorState state) {

    /** The run's tokenizer.json, verified with the rest; empty for a run with the byte vocabulary. */
    public Optional<Path> tokenizer() {
        Path file = location.resolve(CheckpointStore.TOKENIZER_FILE);
        return Files.exists(file) ? Optional.of(file) : Optional.empty();
    }

    public RunSnapshot snapshot() {
        return new RunSnapshot(manifest.nextStep(), manifest.stage(), manifest.weights(), manifest.seed(), manifest.tokens(),
                manifest.flops());
    }
}
