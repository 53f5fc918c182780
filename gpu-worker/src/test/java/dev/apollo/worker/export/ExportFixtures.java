package dev.apollo.worker.export;

import ai.djl.ndarray.types.Shape;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.model.ModelParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Checkpoints with distinct, non-trivial values in every element, written as the trainer writes them. */
final class ExportFixtures {

    private ExportFixtures() {}

    /**
     * Writes a checkpoint of {@code config}'s model with {@code weights} real layers under {@code dir} and returns
     * its directory. Values are large enough that the GELU variant and every transpose matter: norm scales near 1,
     * everything else N(0, 0.3).
     */
    static Path checkpoint(Path dir, ApolloConfig config, int weights, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Shape> entry : ModelParameters.shapes(config.model(), weights).entrySet()) {
            float[] values = new float[Math.toIntExact(entry.getValue().size())];
            boolean normScale = entry.getKey().contains("norm") && entry.getKey().endsWith("weight");
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((normScale ? 1 : 0) + random.nextGaussian() * 0.3);
            }
            tensors.add(new NamedTensor(entry.getKey(), entry.getValue().getShape(), values));
        }
        CheckpointStore store = new CheckpointStore(dir, ConfigLoader.render(config));
        return store.write(new RunSnapshot(20, 1, weights, config.train().seed(), 1000, 1e9),
                new TensorState(tensors, 20));
    }

    static ApolloConfig tiny() {
        return ConfigLoader.load("tiny", null, List.of());
    }
}
