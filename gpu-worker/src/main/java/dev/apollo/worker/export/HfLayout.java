package dev.apollo.worker.export;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.worker.checkpoint.CheckpointError;
import java.util.List;
import java.util.Objects;

/**
 * A Hugging Face {@code transformers} architecture our model is written as: its tensors and how each relates to
 * ours, and its {@code config.json}. The configuration states every property in which the architecture could
 * differ from ours (activation, layer norm epsilon, sizes, tied embeddings), so the loaded model computes what
 * ours does.
 */
interface HfLayout {

    static HfLayout of(Objective objective) {
        return objective == Objective.GPT ? new Gpt2Layout() : new BertLayout();
    }

    /** {@code model_type} in config.json. */
    String modelType();

    /** The class {@code from_pretrained} builds, e.g. GPT2LMHeadModel. */
    String architecture();

    /** The config.json key holding the number of layers. */
    String depthKey();

    /** The config.json keys that, besides the depth, must equal ours for a folder to be this model. */
    List<String> shapeKeys();

    /** Every tensor of the model at {@code depth}, in file order; tied tensors (the output head) are left out. */
    List<HfTensor> tensors(ModelConfig shape, int depth);

    /** config.json of the model at {@code depth}. */
    JsonObject config(ModelConfig shape, int depth);

    /** The start every config.json shares: the architecture to build and the model type. */
    default JsonObject configHeader() {
        JsonObject config = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(architecture());
        config.add("architectures", architectures);
        config.addProperty("model_type", modelType());
        return config;
    }

    /**
     * The depth of the model {@code found} (a config.json) describes, after checking that it is this architecture
     * and ours at that depth; otherwise a {@link CheckpointError} naming the first difference.
     */
    default int depthOf(JsonObject found, ModelConfig shape, String where) {
        JsonElement type = found.get("model_type");
        if (type == null || !type.isJsonPrimitive() || !modelType().equals(type.getAsString())) {
            throw new CheckpointError(where + ": config.json has model_type " + type + ", this run trains a "
                    + modelType() + " model");
        }
        JsonElement depth = found.get(depthKey());
        if (depth == null || !depth.isJsonPrimitive() || !depth.getAsJsonPrimitive().isNumber()
                || depth.getAsDouble() != Math.rint(depth.getAsDouble()) || depth.getAsDouble() < 1) {
            throw new CheckpointError(where + ": config.json has " + depthKey() + " " + depth
                    + ", expected a whole number >= 1");
        }
        JsonObject expected = config(shape, depth.getAsInt());
        for (String key : shapeKeys()) {
            if (!Objects.equals(expected.get(key), found.get(key))) {
                throw new CheckpointError(where + ": config.json has " + key + " " + found.get(key)
                        + ", this run's model has " + expected.get(key));
            }
        }
        return depth.getAsInt();
    }
}
