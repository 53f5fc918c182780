package dev.apollo.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A {@code tokenizer.json} read and checked before the Hugging Face library sees it, so a bad file
 * is refused with a one-line message naming it rather than a native error.
 *
 * @param ids every token's id: the model's vocabulary and the added tokens
 */
public record TokenizerFile(Path path, String json, String modelType, Map<String, Integer> ids) {
    private static final Set<String> MODEL_TYPES = Set.of("BPE", "WordPiece", "WordLevel", "Unigram");

    public TokenizerFile {
        ids = Map.copyOf(ids);
    }

    /** Reads {@code path}, a {@code tokenizer.json} or a directory holding one. */
    public static TokenizerFile read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerError("cannot read tokenizer file " + file + ": " + e, e);
        }
        return parse(file, json);
    }

    /** Checks {@code json}, naming {@code file} in any refusal. */
    public static TokenizerFile parse(Path file, String json) {
        JsonObject root = parseObject(file, json);
        if (!(root.get("model") instanceof JsonObject model)) {
            throw new TokenizerError("tokenizer file " + file + " has no \"model\" object");
        }
        String type = model.has("type") && model.get("type").isJsonPrimitive() ? model.get("type").getAsString() : null;
        if (type == null) {
            throw new TokenizerError("tokenizer file " + file + " has no model type");
        }
        if (!MODEL_TYPES.contains(type)) {
            throw new TokenizerError(
                    "tokenizer file " + file + " has unknown model type '" + type
                            + "' (expected BPE, WordPiece, WordLevel or Unigram)");
        }
        Map<String, Integer> ids = new HashMap<>();
        try {
            JsonElement vocab = model.get("vocab");
            if (vocab instanceof JsonObject map && map.size() > 0) {
                map.entrySet().forEach(e -> ids.put(e.getKey(), e.getValue().getAsInt()));
            } else if (vocab instanceof JsonArray list && list.size() > 0) {
                // Unigram: [[piece, score], ...], the id being the position
                for (int id = 0; id < list.size(); id++) {
                    ids.put(list.get(id).getAsJsonArray().get(0).getAsString(), id);
                }
            } else {
                throw new TokenizerError("tokenizer file " + file + " has no model vocabulary");
            }
            if (root.get("added_tokens") instanceof JsonArray added) {
                for (JsonElement t : added) {
                    JsonObject token = t.getAsJsonObject();
                    if (!token.has("content") || !token.has("id")) {
                        throw new TokenizerError(
                                "tokenizer file " + file + " has an added token without content or id: " + token);
                    }
                    ids.put(token.get("content").getAsString(), token.get("id").getAsInt());
                }
            }
        } catch (IllegalStateException | UnsupportedOperationException | IndexOutOfBoundsException
                | NumberFormatException e) {
            // what Gson's getAs... throw for an element of the wrong shape
            throw new TokenizerError(
                    "tokenizer file " + file + " has a malformed vocabulary: " + TokenizerError.firstLine(e), e);
        }
        return new TokenizerFile(file, json, type, ids);
    }

    /** Without the JSON, which may be megabytes. */
    @Override
    public String toString() {
        return "TokenizerFile[" + path + ", " + modelType + ", " + ids.size() + " tokens]";
    }

    /** One more than the largest token id: the embedding rows a model needs for this tokenizer. */
    public int vocabSize() {
        return ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /** Refuses a vocabulary larger than a model with {@code modelVocabSize} embeddings can take. */
    public void requireVocabAtMost(int modelVocabSize) {
        if (vocabSize() > modelVocabSize) {
            throw new TokenizerError(
                    "tokenizer file " + path + " has a vocabulary of " + vocabSize()
                            + " tokens, larger than the model's " + modelVocabSize);
        }
    }

    /** The token whose id is {@code id}, if any. */
    public Optional<String> token(int id) {
        return ids.entrySet().stream().filter(e -> e.getValue() == id).map(Map.Entry::getKey).sorted().findFirst();
    }

    /** The usual BERT and GPT-2 special tokens that this vocabulary has. */
    public SpecialTokens specialTokens() {
        return new SpecialTokens(
                id("[CLS]", "<s>"), id("[SEP]", "</s>"), id("[MASK]", "<mask>"), id("[PAD]", "<pad>"),
                id("[UNK]", "<unk>"),
                id("<|endoftext|>", "</s>"));
    }

    private OptionalInt id(String... candidates) {
        for (String c : candidates) {
            Integer id = ids.get(c);
            if (id != null) {
                return OptionalInt.of(id);
            }
        }
        return OptionalInt.empty();
    }

    private static JsonObject parseObject(Path file, String json) {
        if (json.isBlank()) {
            throw new TokenizerError("tokenizer file " + file + " is empty");
        }
        JsonReader reader = new JsonReader(new StringReader(json));
        reader.setStrictness(Strictness.STRICT);
        try {
            JsonElement root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new TokenizerError("tokenizer file " + file + " has text after its JSON");
            }
            if (!root.isJsonObject()) {
                throw new TokenizerError("tokenizer file " + file + " is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException | IOException e) {
            Throwable why = e.getCause() != null ? e.getCause() : e;
            throw new TokenizerError(
                    "tokenizer file " + file + " is not valid JSON (truncated?): " + TokenizerError.firstLine(why), e);
        }
    }
}
