package dev.apollo.cli.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.apollo.cli.CliHarness;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import dev.apollo.tokenizer.HfTokenizer;
import dev.apollo.tokenizer.Kind;
import dev.apollo.tokenizer.TokenizerTraining;
import dev.apollo.worker.export.CheckpointModel;
import dev.apollo.worker.export.HfImport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs with tokenizers the project trained ({@code data.tokenizer}): GPT and BERT train on them through the token
 * cache, checkpoints and exports carry them, eval counts bits per byte over the original bytes, generate decodes
 * with them, and bad tokenizers, another tokenizer on resume or import are refused with nothing written.
 */
class TokenizerRunTest {

    @TempDir
    static Path dir;
    static Path corpus;
    static Path bpe;
    static Path wordPiece;
    static Path cache;
    static Path gptRun;

    @BeforeAll
    static void trainTokenizersAndAGpt() throws IOException {
        corpus = CliHarness.corpus(dir);
        bpe = TokenizerTraining.train(corpus, Kind.BPE, 300, dir.resolve("bpe"));
        wordPiece = TokenizerTraining.train(corpus, Kind.WORDPIECE, 120, dir.resolve("wordpiece"));
        cache = dir.resolve("token-cache");
        gptRun = dir.resolve("gpt-bpe");
        var outcome = train(gptRun, bpe, "--set", "train.steps=20");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("tokenized the corpus into"), outcome.out());
    }

    private static CliHarness.Outcome train(Path out, Path tokenizer, String... extra) {
        List<String> args = new ArrayList<>(CliHarness.train(corpus, out, "--set",
                "data.tokenizer=\"" + tokenizer + "\"", "--set", "data.token-cache=\"" + cache + "\""));
        args.addAll(List.of(extra)); // later options win, --steps among them
        return CliHarness.run(args);
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    @Test
    void aGptTrainsOnBpeIdsFromTheCacheAndItsCheckpointCarriesTheTokenizer() throws IOException {
        int vocab;
        try (HfTokenizer tokenizer = HfTokenizer.load(bpe)) {
            vocab = tokenizer.vocabSize();
        }
        assertTrue(Files.readString(gptRun.resolve("config.conf")).contains("vocab-size = " + vocab));
        Path checkpoint = gptRun.resolve("checkpoints/step-00000020");
        assertEquals(Files.readString(bpe), Files.readString(checkpoint.resolve("tokenizer.json")));
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".tokens")).count());
        }
        // a second run reads the ids back and trains on the same batches: the same losses to the bit
        Path again = dir.resolve("gpt-bpe-again");
        var outcome = train(again, bpe, "--set", "train.steps=20");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("token ids from the cache"), outcome.out());
        assertEquals(CliHarness.metricsWithoutClocks(gptRun), CliHarness.metricsWithoutClocks(again));
        // the byte vocabulary's run of the same shape learns other ids: the vocabulary changes the model
        assertFalse(Files.readString(gptRun.resolve("config.conf")).contains("vocab-size = 256"));
    }

    @Test
    void exportCarriesTheTokenizerAndImportGivesTheParametersBackBitForBit() throws IOException {
        Path folder = dir.resolve("export-bpe");
        var outcome = CliHarness.run(List.of("export", "--checkpoint", gptRun.toString(), "--out", folder.toString()));
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals(Files.readString(bpe), Files.readString(folder.resolve("tokenizer.json")));
        CheckpointModel model = CheckpointModel.read(gptRun);
        JsonObject config = json(folder.resolve("config.json"));
        assertEquals(model.config().model().vocabSize(), config.get("vocab_size").getAsInt());
        int endOfText = model.vocabulary().file().orElseThrow().specialTokens().eos().getAsInt();
        assertEquals(endOfText, config.get("eos_token_id").getAsInt());
        assertEquals("<|endoftext|>", json(folder.resolve("tokenizer_config.json")).get("eos_token").getAsString());
        TensorState imported = HfImport.read(folder, model.config().model(), model.weights(), model.vocabulary());
        for (NamedTensor tensor : imported.tensors()) {
            assertArrayEquals(model.parameters().get(tensor.name()).values(), tensor.values(), tensor.name());
        }
        // a run with the byte vocabulary may not start from it
        Path refused = dir.resolve("init-bytes");
        var bytes = CliHarness.run(CliHarness.train(corpus, refused, "--init-from", folder.toString(),
                "--set", "stages.layers=[4]", "--set", "stages.boundaries=[]", "--set", "model.vocab-size=300"));
        assertEquals(2, bytes.exitCode(), bytes.err());
        assertTrue(bytes.err().contains("carries another tokenizer"), bytes.err());
        assertFalse(Files.exists(refused));
    }

    @Test
    void evalCountsBitsPerByteOverTheOriginalBytesAndGenerateDecodesWithTheTokenizer() throws IOException {
        Path text = Files.writeString(dir.resolve("eval.txt"),
                Files.readString(corpus).substring(0, 3000), StandardCharsets.UTF_8);
        var outcome = CliHarness.run(List.of("eval", "--checkpoint", gptRun.toString(), "--data", text.toString(),
                "--json"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        JsonObject result = JsonParser.parseString(outcome.out()).getAsJsonObject();
        int[] ids;
        try (HfTokenizer tokenizer = HfTokenizer.load(bpe)) {
            ids = tokenizer.encode(Files.readString(text));
        }
        double tokensPerByte = (double) ids.length / Files.size(text);
        assertEquals(tokensPerByte, result.get("tokensPerByte").getAsDouble());
        assertTrue(tokensPerByte < 0.5, "BPE joins bytes: " + tokensPerByte);
        assertEquals(result.get("loss").getAsDouble() / Math.log(2) * tokensPerByte,
                result.get("bitsPerByte").getAsDouble(), 1e-12);
        List<String> generate = List.of("generate", "--checkpoint", gptRun.toString(), "--prompt", "the quick",
                "--max-new-tokens", "12", "--seed", "5");
        var first = CliHarness.run(generate);
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().startsWith("the quick"), first.out());
        assertTrue(first.out().strip().length() > "the quick".length(), first.out());
        assertEquals(first.out(), CliHarness.run(generate).out());
    }

    @Test
    void bertAndGptTrainOnWordPieceWithItsSpecialTokens() throws IOException {
        Path bert = dir.resolve("bert-wordpiece");
        var outcome = train(bert, wordPiece, "--set", "train.steps=10", "--set", "model.objective=bert");
        assertEquals(0, outcome.exitCode(), outcome.err());
        CheckpointModel model = CheckpointModel.read(bert);
        assertEquals(4, model.vocabulary().maskId()); // [PAD] [UNK] [CLS] [SEP] [MASK] come first
        Path folder = dir.resolve("export-bert");
        assertEquals(0, CliHarness.run(List.of("export", "--checkpoint", bert.toString(), "--out",
                folder.toString())).exitCode());
        assertEquals("[MASK]", json(folder.resolve("tokenizer_config.json")).get("mask_token").getAsString());
        assertEquals(0, json(folder.resolve("config.json")).get("pad_token_id").getAsInt());
        var gpt = train(dir.resolve("gpt-wordpiece"), wordPiece, "--set", "train.steps=10");
        assertEquals(0, gpt.exitCode(), gpt.err());
    }

    @Test
    void badTokenizersAreRefusedOnOneLineWithNothingWritten() throws IOException {
        String json = Files.readString(bpe);
        Path truncated = Files.writeString(dir.resolve("truncated.json"), json.substring(0, json.length() / 2));
        Path unknownType = Files.writeString(dir.resolve("unknown.json"), json.replace("\"type\": \"BPE\"",
                "\"type\": \"Morse\"").replace("\"type\":\"BPE\"", "\"type\":\"Morse\""));
        assertRefused(train(dir.resolve("r1"), truncated), dir.resolve("r1"), "not valid JSON");
        assertRefused(train(dir.resolve("r2"), unknownType), dir.resolve("r2"), "unknown model type 'Morse'");
        assertRefused(train(dir.resolve("r3"), bpe, "--set", "model.vocab-size=200"), dir.resolve("r3"),
                "larger than the model's 200");
        assertRefused(train(dir.resolve("r4"), bpe, "--set", "model.objective=bert"), dir.resolve("r4"),
                "has no mask token");
        assertRefused(train(dir.resolve("r5"), dir.resolve("absent.json")), dir.resolve("r5"),
                "cannot read tokenizer file");
        // a run continues with its own tokenizer only
        var resumed = train(gptRun, wordPiece, "--resume", gptRun.toString(), "--set", "model.vocab-size=300");
        assertEquals(2, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("was trained with the tokenizer it carries"), resumed.err());
        assertFalse(Files.exists(gptRun.resolve("checkpoints/step-00000040")));
    }

    private static void assertRefused(CliHarness.Outcome outcome, Path runDir, String message) {
        assertEquals(2, outcome.exitCode(), outcome.err());
        assertTrue(outcome.err().contains(message), outcome.err());
        assertEquals(1, outcome.err().strip().lines().count(), outcome.err());
        assertFalse(Files.exists(runDir), runDir + " was written");
    }
}
