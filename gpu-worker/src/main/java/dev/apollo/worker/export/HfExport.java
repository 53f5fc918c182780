package dev.apollo.worker.export;

import dev.apollo.worker.checkpoint.Safetensors;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.tokenizer.SpecialTokens;
import dev.apollo.tokenizer.TokenizerFile;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.io.DirectoryTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Writes a checkpoint's model as a folder Hugging Face {@code transformers} loads with {@code from_pretrained} and
 * no custom code: {@code model.safetensors} (F32, the architecture's tensor names and shapes), {@code config.json}
 * (with the tokenizer's special ids), the run's tokenizer ({@code tokenizer.json}: the byte-level one, or the file
 * the checkpoint carries, unchanged; {@code tokenizer_config.json}) and {@code apollo_export.json}
 * (where the folder came from and which real layer each layer carries). The folder is written under a temporary
 * name and renamed into place, so it exists whole or not at all.
 */
public final class HfExport {

    public static final String MODEL_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
    public static final String PROVENANCE_FILE = "apollo_export.json";

    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();

    private HfExport() {}

    /** What was written: the architecture, its tensor count and the size of model.safetensors. */
    public record Written(String architecture, int tensors, long modelBytes) {}

    /**
     * Writes {@code model} at {@code depth} (each layer materialized through the run's sharing map) into
     * {@code out}, which must not exist or be an empty directory.
     */
    public static Written write(CheckpointModel model, int depth, Path out) throws IOException {
        ModelConfig shape = model.config().model();
        HfLayout layout = HfLayout.of(shape.objective());
        Map<String, NamedTensor> ours = model.atDepth(depth);
        List<NamedTensor> tensors = layout.tensors(shape, depth).stream().map(t -> t.exportFrom(ours)).toList();
        Path target = out.toAbsolutePath().normalize();
        Path temporary = target.resolveSibling("." + target.getFileName() + ".export-tmp");
        Files.createDirectories(target.getParent());
        DirectoryTree.delete(temporary); // left by an export that was killed mid-write
        try {
            Files.createDirectory(temporary);
            Safetensors.write(temporary.resolve(MODEL_FILE), tensors);
            Vocabulary vocabulary = model.vocabulary();
            JsonObject config = layout.config(shape, depth);
            if (vocabulary.bytes()) {
                Files.writeString(temporary.resolve(TOKENIZER_FILE), ByteTokenizerFiles.tokenizer(shape.objective()),
                        StandardCharsets.UTF_8);
                writeJson(temporary.resolve(TOKENIZER_CONFIG_FILE), ByteTokenizerFiles.tokenizerConfig(shape));
            } else {
                TokenizerFile file = vocabulary.file().orElseThrow();
                Files.writeString(temporary.resolve(TOKENIZER_FILE), file.json(), StandardCharsets.UTF_8);
                writeJson(temporary.resolve(TOKENIZER_CONFIG_FILE), tokenizerConfig(shape, file));
                SpecialTokens special = file.specialTokens();
                if (shape.objective() == Objective.BERT) {
                    addId(config, "pad_token_id", special.pad());
                } else {
                    addId(config, "bos_token_id", special.eos());
                    addId(config, "eos_token_id", special.eos());
                }
            }
            writeJson(temporary.resolve(CONFIG_FILE), config);
            writeJson(temporary.resolve(PROVENANCE_FILE), provenance(model, depth));
            if (Files.isDirectory(target)) {
                Files.delete(target); // empty, as the caller checked; a file appearing since fails the delete
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            DirectoryTree.delete(temporary);
            throw e;
        }
        return new Written(layout.architecture(), tensors.size(), Files.size(target.resolve(MODEL_FILE)));
    }

    private static JsonObject provenance(CheckpointModel model, int depth) {
        JsonObject provenance = new JsonObject();
        provenance.addProperty("format", "apollo-export/1");
        provenance.addProperty("checkpoint", model.location().toAbsolutePath().toString());
        provenance.addProperty("step", model.step());
        provenance.addProperty("objective", model.config().model().objective().name().toLowerCase(Locale.ROOT));
        provenance.addProperty("weights", model.weights());
        provenance.addProperty("depth", depth);
        provenance.addProperty("sharing", model.config().stages().sharing().name().toLowerCase(Locale.ROOT));
        JsonArray map = new JsonArray();
        for (int weight : model.layerMap(depth)) {
            map.add(weight);
        }
        provenance.add("layerMap", map);
        provenance.addProperty("tokenizer", model.vocabulary().file()
                .map(file -> file.modelType() + " of " + file.vocabSize() + " tokens, from data.tokenizer = "
                        + model.config().data().tokenizer())
                .orElse("byte-level: UTF-8 text, one token per byte, token id = byte value 0..255"
                        + (model.config().model().objective() == Objective.BERT
                        ? "; [PAD]=256, [CLS]=257, [SEP]=258, [MASK]=259" : "")));
        return provenance;
    }

    /** tokenizer_config.json for a tokenizer file: the fast tokenizer with the special tokens it has. */
    private static JsonObject tokenizerConfig(ModelConfig shape, TokenizerFile file) {
        JsonObject config = new JsonObject();
        config.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        config.addProperty("model_max_length", shape.seqLen());
        SpecialTokens special = file.specialTokens();
        addToken(config, file, "unk_token", special.unk());
        JsonArray inputs = new JsonArray();
        inputs.add("input_ids");
        if (shape.objective() == Objective.BERT) {
            inputs.add("token_type_ids"); // all zero, matching the zero token type embeddings
            addToken(config, file, "pad_token", special.pad());
            addToken(config, file, "cls_token", special.cls());
            addToken(config, file, "sep_token", special.sep());
            addToken(config, file, "mask_token", special.mask());
        } else {
            addToken(config, file, "bos_token", special.eos());
            addToken(config, file, "eos_token", special.eos());
        }
        inputs.add("attention_mask");
        config.add("model_input_names", inputs);
        return config;
    }

    private static void addToken(JsonObject config, TokenizerFile file, String key, OptionalInt id) {
        if (id.isPresent()) {
            file.token(id.getAsInt()).ifPresent(token -> config.addProperty(key, token));
        }
    }

    private static void addId(JsonObject config, String key, OptionalInt id) {
        if (id.isPresent()) {
            config.addProperty(key, id.getAsInt());
        } else {
            config.add(key, JsonNull.INSTANCE);
        }
    }

    private static void writeJson(Path file, JsonElement json) throws IOException {
        Files.writeString(file, JSON.toJson(json) + "\n", StandardCharsets.UTF_8);
    }
}
