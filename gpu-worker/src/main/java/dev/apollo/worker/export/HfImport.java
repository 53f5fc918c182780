package dev.apollo.worker.export;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.apollo.config.ModelConfig;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.checkpoint.CheckpointError;
import dev.apollo.worker.checkpoint.Safetensors;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.model.ModelParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a folder {@link HfExport} wrote (or {@code transformers} saved from one) back into our parameters: the
 * inverse of the export's tensor mapping, so export then import gives back the same floats bit for bit.
 */
public final class HfImport {

    private HfImport() {}

    /**
     * The parameters in {@code folder} as the state of a model of {@code shape} whose bank holds {@code weights}
     * real layers, without optimizer moments (they start at zero). A folder of another architecture, size, depth,
     * activation or epsilon, with a tensor missing, extra or of another shape, or carrying another tokenizer than
     * {@code vocabulary}, is a {@link CheckpointError} naming the first difference.
     */
    public static TensorState read(Path folder, ModelConfig shape, int weights, Vocabulary vocabulary) {
        String where = "export folder " + folder;
        if (!Files.isDirectory(folder)) {
            throw new CheckpointError(where + ": not a directory");
        }
        HfLayout layout = HfLayout.of(shape.objective());
        int depth = layout.depthOf(config(folder, where), shape, where);
        if (depth != weights) {
            throw new CheckpointError(where + " holds " + depth + " layers, but this run starts with N(0) = "
                    + weights + " real layers (the first entry of apollo.stages.layers); to start from all " + depth
                    + ": --set 'stages.layers=[" + depth + "]' --set 'stages.boundaries=[]'");
        }
        requireTokenizer(folder, shape, vocabulary, where);
        Map<String, NamedTensor> found = new LinkedHashMap<>();
        try {
            for (NamedTensor tensor : Safetensors.read(folder.resolve(HfExport.MODEL_FILE))) {
                found.put(tensor.name(), tensor);
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointError(where + ": " + HfExport.MODEL_FILE + " is missing");
        } catch (IOException | RuntimeException e) {
            throw new CheckpointError(where + ": unreadable " + HfExport.MODEL_FILE + " (" + e.getMessage() + ")");
        }
        Map<String, Shape> ourShapes = ModelParameters.shapes(shape, depth);
        Map<String, float[]> ours = new LinkedHashMap<>();
        ourShapes.forEach((name, ourShape) -> ours.put(name, new float[Math.toIntExact(ourShape.size())]));
        for (HfTensor tensor : layout.tensors(shape, depth)) {
            NamedTensor values = found.remove(tensor.name());
            if (values == null) {
                throw new CheckpointError(where + ": " + HfExport.MODEL_FILE + " has no tensor " + tensor.name());
            }
            tensor.importInto(values, ours, where);
        }
        if (!found.isEmpty()) {
            throw new CheckpointError(where + ": " + HfExport.MODEL_FILE + " has a tensor this model does not: "
                    + found.keySet().iterator().next());
        }
        List<NamedTensor> tensors = new ArrayList<>();
        ours.forEach((name, values) -> tensors.add(new NamedTensor(name, ourShapes.get(name).getShape(), values)));
        return new TensorState(tensors, 0);
    }

    /** The folder's tokenizer.json, where it has one, must be the run's: the embedding rows mean its tokens. */
    private static void requireTokenizer(Path folder, ModelConfig shape, Vocabulary vocabulary, String where) {
        Path file = folder.resolve(HfExport.TOKENIZER_FILE);
        if (!Files.exists(file)) {
            return;
        }
        JsonElement expected = JsonParser.parseString(
                vocabulary.json().orElseGet(() -> ByteTokenizerFiles.tokenizer(shape.objective())));
        JsonElement found;
        try {
            found = JsonParser.parseString(Files.readString(file));
        } catch (IOException | JsonParseException e) {
            throw new CheckpointError(where + ": unreadable " + HfExport.TOKENIZER_FILE);
        }
        if (!expected.equals(found)) {
            throw new CheckpointError(where + " carries another tokenizer than this run's (data.tokenizer = "
                    + (vocabulary.bytes() ? "bytes" : vocabulary.file().orElseThrow().path())
                    + "): set data.tokenizer to "
                    + file);
        }
    }

    private static JsonObject config(Path folder, String where) {
        try {
            JsonElement config = JsonParser.parseString(Files.readString(folder.resolve(HfExport.CONFIG_FILE)));
            if (!config.isJsonObject()) {
                throw new CheckpointError(where + ": " + HfExport.CONFIG_FILE + " is not a JSON object");
            }
            return config.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CheckpointError(where + ": " + HfExport.CONFIG_FILE + " is missing (not an apollo export folder)");
        } catch (IOException | JsonParseException e) {
            throw new CheckpointError(where + ": unreadable " + HfExport.CONFIG_FILE);
        }
    }
}
