package dev.apollo.worker.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.apollo.config.ApolloConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported folder of the tiny preset, read on its own terms: the safetensors header parsed by hand against
 * GPT-2's layout (names, dtypes, shapes, offsets), values found at their offsets, config.json and the tokenizer.
 * The checkpoint is mid-stage (3 real layers of 12), so the file also shows the layer map materialized.
 */
class Gpt2ExportFilesTest {

    @TempDir
    static Path dir;
    static CheckpointModel model;
    static Path folder;
    static ByteBuffer file;
    static JsonObject header;
    static long dataStart;

    @BeforeAll
    static void exportTinyMidStage() throws IOException {
        ApolloConfig tiny = ExportFixtures.tiny();
        model = CheckpointModel.read(ExportFixtures.checkpoint(dir.resolve("checkpoints"), tiny, 3, 5));
        folder = dir.resolve("export");
        HfExport.write(model, 12, folder);
        file = ByteBuffer.wrap(Files.readAllBytes(folder.resolve("model.safetensors"))).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = file.getLong(0);
        header = JsonParser.parseString(new String(file.array(), 8, (int) headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        dataStart = 8 + headerLength;
    }

    /** GPT-2's tensors for n_layer 12, n_embd 128, n_inner 512, vocab 256, n_positions 128, as transformers names them. */
    private static Map<String, List<Long>> gpt2Tensors() {
        Map<String, List<Long>> expected = new LinkedHashMap<>();
        expected.put("transformer.wte.weight", List.of(256L, 128L));
        expected.put("transformer.wpe.weight", List.of(128L, 128L));
        for (int i = 0; i < 12; i++) {
            String h = "transformer.h." + i + ".";
            expected.put(h + "ln_1.weight", List.of(128L));
            expected.put(h + "ln_1.bias", List.of(128L));
            expected.put(h + "attn.c_attn.weight", List.of(128L, 384L));
            expected.put(h + "attn.c_attn.bias", List.of(384L));
            expected.put(h + "attn.c_proj.weight", List.of(128L, 128L));
            expected.put(h + "attn.c_proj.bias", List.of(128L));
            expected.put(h + "ln_2.weight", List.of(128L));
            expected.put(h + "ln_2.bias", List.of(128L));
            expected.put(h + "mlp.c_fc.weight", List.of(128L, 512L));
            expected.put(h + "mlp.c_fc.bias", List.of(512L));
            expected.put(h + "mlp.c_proj.weight", List.of(512L, 128L));
            expected.put(h + "mlp.c_proj.bias", List.of(128L));
        }
        expected.put("transformer.ln_f.weight", List.of(128L));
        expected.put("transformer.ln_f.bias", List.of(128L));
        return expected;
    }

    @Test
    void headerHasGpt2NamesShapesF32AndContiguousOffsets() {
        assertEquals(0, dataStart % 8, "data starts 8-byte aligned");
        assertEquals(JsonParser.parseString("{\"format\":\"pt\"}"), header.get("__metadata__"));
        Map<String, List<Long>> expected = gpt2Tensors();
        List<String> names = new ArrayList<>(header.keySet());
        names.remove("__metadata__");
        assertEquals(expected.keySet(), new java.util.HashSet<>(names));
        assertFalse(header.has("lm_head.weight"), "the head is tied to wte, as save_pretrained leaves it out");
        List<long[]> ranges = new ArrayList<>();
        for (String name : names) {
            JsonObject entry = header.getAsJsonObject(name);
            assertEquals("F32", entry.get("dtype").getAsString(), name);
            List<Long> shape = new ArrayList<>();
            entry.getAsJsonArray("shape").forEach(e -> shape.add(e.getAsLong()));
            assertEquals(expected.get(name), shape, name);
            JsonArray offsets = entry.getAsJsonArray("data_offsets");
            long begin = offsets.get(0).getAsLong();
            long end = offsets.get(1).getAsLong();
            assertEquals(4 * shape.stream().reduce(1L, (a, b) -> a * b), end - begin, name);
            ranges.add(new long[] {begin, end});
        }
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        long next = 0;
        for (long[] range : ranges) {
            assertEquals(next, range[0], "tensors are contiguous, without gaps or overlaps");
            next = range[1];
        }
        assertEquals(file.capacity() - dataStart, next, "the data ends where the file ends");
    }

    @Test
    void valuesAtTheirOffsetsAreOursTransposedThroughTheLayerMap() {
        float[] wte = read("transformer.wte.weight");
        assertArrayEquals(model.parameters().get("embed.token").values(), wte);
        int[] map = model.layerMap(12);
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, map, "interpolation of 3 weights on 12");
        for (int layer = 0; layer < 12; layer++) {
            String ours = "layers." + map[layer] + ".";
            String h = "transformer.h." + layer + ".";
            assertTransposed(ours + "attn.qkv.weight", 384, 128, read(h + "attn.c_attn.weight"));
            assertTransposed(ours + "attn.proj.weight", 128, 128, read(h + "attn.c_proj.weight"));
            assertTransposed(ours + "mlp.fc.weight", 512, 128, read(h + "mlp.c_fc.weight"));
            assertTransposed(ours + "mlp.proj.weight", 128, 512, read(h + "mlp.c_proj.weight"));
            assertArrayEquals(model.parameters().get(ours + "attn.qkv.bias").values(), read(h + "attn.c_attn.bias"));
            assertArrayEquals(model.parameters().get(ours + "norm2.weight").values(), read(h + "ln_2.weight"));
        }
        assertArrayEquals(model.parameters().get("final_norm.bias").values(), read("transformer.ln_f.bias"));
    }

    @Test
    void configStatesEveryPropertyOfTheArchitecture() throws IOException {
        JsonObject config = json("config.json");
        assertEquals("gpt2", config.get("model_type").getAsString());
        assertEquals("GPT2LMHeadModel", config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals(12, config.get("n_layer").getAsInt());
        assertEquals(128, config.get("n_embd").getAsInt());
        assertEquals(4, config.get("n_head").getAsInt());
        assertEquals(128, config.get("n_positions").getAsInt());
        assertEquals(256, config.get("vocab_size").getAsInt());
        assertEquals(512, config.get("n_inner").getAsInt());
        assertEquals("gelu", config.get("activation_function").getAsString(), "the exact GELU, not gelu_new");
        assertEquals(1e-5, config.get("layer_norm_epsilon").getAsDouble());
        assertTrue(config.get("tie_word_embeddings").getAsBoolean());
        assertTrue(config.get("scale_attn_weights").getAsBoolean());
        assertTrue(config.get("eos_token_id").isJsonNull(), "no 50256 outside the byte vocabulary");
        JsonObject provenance = json("apollo_export.json");
        assertEquals(3, provenance.get("weights").getAsInt());
        assertEquals(JsonParser.parseString("[0,0,0,0,1,1,1,1,2,2,2,2]"), provenance.get("layerMap"));
    }

    @Test
    void tokenizerMapsEveryByteToItsOwnValue() throws IOException {
        JsonObject tokenizer = json("tokenizer.json");
        JsonObject vocab = tokenizer.getAsJsonObject("model").getAsJsonObject("vocab");
        assertEquals(256, vocab.size());
        assertEquals("BPE", tokenizer.getAsJsonObject("model").get("type").getAsString());
        assertEquals(0, tokenizer.getAsJsonObject("model").getAsJsonArray("merges").size(), "no merges: a token a byte");
        assertEquals("ByteLevel", tokenizer.getAsJsonObject("pre_tokenizer").get("type").getAsString());
        // GPT-2's byte-level alphabet: printable bytes as themselves, space as U+0120, newline as U+010A, NUL as U+0100
        assertEquals(97, vocab.get("a").getAsInt());
        assertEquals(32, vocab.get("\u0120").getAsInt());
        assertEquals(10, vocab.get("\u010A").getAsInt());
        assertEquals(0, vocab.get("\u0100").getAsInt());
        assertEquals(0xE9, vocab.get("\u00E9").getAsInt());
        assertEquals(0xAD, vocab.get("\u0143").getAsInt(), "soft hyphen, the last unprintable Latin-1 byte");
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (Map.Entry<String, JsonElement> entry : vocab.entrySet()) {
            assertEquals(1, entry.getKey().codePointCount(0, entry.getKey().length()));
            ids.add(entry.getValue().getAsInt());
        }
        assertEquals(256, ids.size());
        JsonObject tokenizerConfig = json("tokenizer_config.json");
        assertEquals("PreTrainedTokenizerFast", tokenizerConfig.get("tokenizer_class").getAsString());
        assertFalse(tokenizerConfig.get("model_input_names").toString().contains("token_type_ids"),
                "GPT2Model would embed token_type_ids with wte");
    }

    private static void assertTransposed(String ours, int rows, int columns, float[] hf) {
        float[] values = model.parameters().get(ours).values();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                if (values[r * columns + c] != hf[c * rows + r]) {
                    throw new AssertionError(ours + "[" + r + "][" + c + "] is not at [" + c + "][" + r + "]");
                }
            }
        }
    }

    private static float[] read(String name) {
        JsonArray offsets = header.getAsJsonObject(name).getAsJsonArray("data_offsets");
        long begin = offsets.get(0).getAsLong();
        float[] values = new float[(int) ((offsets.get(1).getAsLong() - begin) / 4)];
        for (int i = 0; i < values.length; i++) {
            values[i] = file.getFloat((int) (dataStart + begin + 4L * i));
        }
        return values;
    }

    private static JsonObject json(String name) throws IOException {
        return JsonParser.parseString(Files.readString(folder.resolve(name))).getAsJsonObject();
    }
}
