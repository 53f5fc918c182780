package dev.apollo.worker.export;

import ai.djl.ndarray.types.Shape;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.apollo.LayerMap;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorNames;
import dev.apollo.protocol.TensorState;
import dev.apollo.tokenizer.TokenizerError;
import dev.apollo.tokenizer.TokenizerFile;
import dev.apollo.worker.checkpoint.Checkpoint;
import dev.apollo.worker.checkpoint.CheckpointError;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.model.ModelParameters;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model a verified checkpoint holds, without its optimizer: the run's configuration, the {@code weights} real
 * layers N(s) of the stage it was written in, and the parameters by name. At any depth D the network is the bank
 * spread over D layers by the run's sharing map (interpolation g(l) = floor(l*N/D) unless the run used stacking),
 * the map the trainer validates with.
 */
public record CheckpointModel(Path location, long step, int weights, ApolloConfig config, Vocabulary vocabulary,
        Map<String, NamedTensor> parameters) {

    public CheckpointModel {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Reads {@code path} as {@code apollo train --resume} does: a checkpoint, a checkpoints directory or a run
     * directory (its newest checkpoint). Checksums are verified; a checkpoint whose tensors do not fit its own
     * configuration is a {@link CheckpointError}.
     */
    public static CheckpointModel read(Path path) {
        Checkpoint checkpoint = CheckpointStore.read(path);
        ApolloConfig config = ConfigLoader.parseStored(checkpoint.manifest().config());
        int weights = checkpoint.manifest().weights();
        Map<String, Shape> expected = ModelParameters.shapes(config.model(), weights);
        Map<String, NamedTensor> parameters = new LinkedHashMap<>();
        for (NamedTensor tensor : checkpoint.state().tensors()) {
            if (!TensorState.isMoment(tensor.name())) {
                parameters.put(tensor.name(), tensor);
            }
        }
        for (Map.Entry<String, Shape> entry : expected.entrySet()) {
            NamedTensor tensor = parameters.get(entry.getKey());
            if (tensor == null || !entry.getValue().equals(new Shape(tensor.shape()))) {
                throw new CheckpointError("checkpoint " + checkpoint.location() + ": tensor " + entry.getKey()
                        + (tensor == null ? " is missing" : " is " + new Shape(tensor.shape()) + ", expected "
                        + entry.getValue()) + " for its own configuration");
            }
        }
        return new CheckpointModel(checkpoint.location(), checkpoint.manifest().nextStep(), weights, config,
                vocabulary(checkpoint, config), parameters);
    }

    /** The byte vocabulary, or the tokenizer file the checkpoint carries. */
    private static Vocabulary vocabulary(Checkpoint checkpoint, ApolloConfig config) {
        if (config.data().bytes()) {
            return Vocabulary.BYTES;
        }
        Path file = checkpoint.tokenizer().orElseThrow(() -> new CheckpointError("checkpoint " + checkpoint.location()
                + " has no " + CheckpointStore.TOKENIZER_FILE + ", but its run used data.tokenizer = "
                + config.data().tokenizer()));
        try {
            return Vocabulary.checked(TokenizerFile.read(file), config.model());
        } catch (TokenizerError e) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + ": " + e.getMessage());
        }
    }

    /** Which real layer each of {@code depth} layers runs, by the run's sharing map. */
    public int[] layerMap(int depth) {
        return LayerMap.of(config.stages().sharing().name(), weights, depth);
    }

    /** The parameters as floats by name, the form {@link ModelParameters#of} takes. */
    public Map<String, float[]> values() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, tensor) -> values.put(name, tensor.values()));
        return values;
    }

    /**
     * The network at {@code depth} with one set of layer tensors per layer, named as a model whose bank holds
     * {@code depth} layers: layer l carries the tensors of real layer {@code layerMap(depth)[l]}, so a weight
     * shared by several layers appears once for each of them.
     */
    public Map<String, NamedTensor> atDepth(int depth) {
        int[] map = layerMap(depth);
        Map<String, NamedTensor> layers = new LinkedHashMap<>();
        for (String name : ModelParameters.shapes(config.model(), depth).keySet()) {
            int layer = TensorNames.layerOf(name);
            if (layer < 0) {
                layers.put(name, parameters.get(name));
                continue;
            }
            NamedTensor source = parameters.get(TensorNames.block(map[layer], TensorNames.suffixOf(name)));
            layers.put(name, new NamedTensor(name, source.shape(), source.values()));
        }
        return layers;
    }
}
