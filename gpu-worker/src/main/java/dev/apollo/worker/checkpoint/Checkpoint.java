package dev.apollo.worker.checkpoint;

import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import java.nio.file.Path;

/** A verified checkpoint read back from {@code location}. */
public record Checkpoint(Path location, CheckpointManifest manifest, TensorState state) {

    public RunSnapshot snapshot() {
        return new RunSnapshot(manifest.nextStep(), manifest.stage(), manifest.weights(), manifest.seed(), manifest.tokens(),
                manifest.flops());
    }
}
