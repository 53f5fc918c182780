package dev.apollo.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apollo eval} against the trainer's own validation on the same windows ({@link SmallGptRun} builds its
 * corpus so), at the end of the run and mid-stage; the reported figures; bad input.
 */
class EvalCommandTest {

    private static final int SEQ_LEN = SmallGptRun.SEQ_LEN;
    private static final int VALIDATION_WINDOWS = SmallGptRun.VALIDATION_WINDOWS;

    @TempDir
    static Path dir;
    static Path run;
    static Path evalFile;
    static Path corpus;

    @BeforeAll
    static void sharedRun() throws IOException {
        SmallGptRun.Paths paths = SmallGptRun.get();
        run = paths.run();
        evalFile = paths.validationWindows();
        corpus = paths.corpus();
    }

    private static double validationLoss(long step) throws IOException {
        Gson gson = new Gson();
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(line -> gson.fromJson(line, JsonObject.class))
                .filter(row -> row.get("type").getAsString().equals("val") && row.get("step").getAsLong() == step)
                .findFirst().orElseThrow().get("valLossFull").getAsDouble();
    }

    private static JsonObject evalJson(String checkpoint, String... extra) {
        List<String> args = new ArrayList<>(List.of("eval", "--checkpoint", checkpoint, "--data", evalFile.toString(),
                "--json"));
        args.addAll(List.of(extra));
        var outcome = CliHarness.run(args);
        assertEquals(0, outcome.exitCode(), outcome.err());
        return new Gson().fromJson(outcome.out().strip(), JsonObject.class);
    }

    @Test
    void lossEqualsTheTrainersValidationLossOnTheSameWindows() throws IOException {
        JsonObject end = evalJson(run.toString()); // the newest checkpoint: step 40, all 4 layers real
        assertEquals(40, end.get("step").getAsLong());
        assertEquals(VALIDATION_WINDOWS, end.get("windows").getAsInt());
        assertEquals(VALIDATION_WINDOWS * SEQ_LEN, end.get("tokens").getAsLong());
        // bit for bit: the same windows in the same batches through the same loss
        assertEquals(validationLoss(40), end.get("loss").getAsDouble());
        // mid-stage: 2 real layers, run at depth 4 through the interpolation map, as the trainer validated them
        JsonObject mid = evalJson(run.resolve("checkpoints/step-00000020").toString());
        assertEquals(2, mid.get("weights").getAsInt());
        assertEquals(4, mid.get("depth").getAsInt());
        assertEquals(validationLoss(20), mid.get("loss").getAsDouble());
        assertTrue(end.get("loss").getAsDouble() < Math.log(256) - 1, "a trained model, not a uniform one");
    }

    @Test
    void reportsPerplexityBitsPerByteAndTheFirstWWindows() {
        JsonObject three = evalJson(run.toString(), "--windows", "3");
        assertEquals(3, three.get("windows").getAsInt());
        assertEquals(3 * SEQ_LEN, three.get("tokens").getAsLong());
        double loss = three.get("loss").getAsDouble();
        assertEquals(Math.exp(loss), three.get("perplexity").getAsDouble(), 1e-9);
        assertEquals(loss / Math.log(2), three.get("bitsPerByte").getAsDouble()); // exactly: a token is a byte
        assertEquals(1.0, three.get("tokensPerByte").getAsDouble());
        var text = CliHarness.run(List.of("eval", "--checkpoint", run.toString(), "--data", evalFile.toString()));
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("8 windows of 16 tokens, 128 predicted tokens"), text.out());
        assertTrue(text.out().matches("(?s).*loss \\d\\.\\d{4} nats/token, perplexity [\\d.]+, [\\d.]+ bits/byte.*"),
                text.out());
    }

    @Test
    void badInputIsRefusedOnOneLine() throws IOException {
        String checkpoint = run.toString();
        assertRefused(List.of("eval", "--checkpoint", checkpoint, "--data", evalFile.toString(), "--windows", "9"),
                "holds only 8 windows");
        assertRefused(List.of("eval", "--checkpoint", checkpoint, "--data", evalFile.toString(), "--windows", "0"),
                "--windows 0");
        Path short16 = Files.writeString(dir.resolve("short.txt"), "x".repeat(SEQ_LEN));
        assertRefused(List.of("eval", "--checkpoint", checkpoint, "--data", short16.toString()), "needs 17");
        assertRefused(List.of("eval", "--checkpoint", checkpoint, "--data", dir.resolve("absent.txt").toString()),
                "does not exist");
        assertRefused(List.of("eval", "--checkpoint", checkpoint, "--data", dir.toString()), "one file");
        assertRefused(List.of("eval", "--checkpoint", dir.resolve("nothing").toString(), "--data", evalFile.toString()),
                "no checkpoint");
        Path altered = copyCheckpoint(run.resolve("checkpoints/step-00000040"), dir.resolve("altered"));
        try (RandomAccessFile file = new RandomAccessFile(altered.resolve("model.safetensors").toFile(), "rw")) {
            file.seek(1000);
            int b = file.read();
            file.seek(1000);
            file.write(b ^ 0x01);
        }
        assertRefused(List.of("eval", "--checkpoint", altered.toString(), "--data", evalFile.toString()),
                "fails its checksum");
    }

    @Test
    void bertIsRefusedWithTheReason() throws IOException {
        Path bert = dir.resolve("bert");
        var outcome = CliHarness.run(List.of("train", "--data", corpus.toString(),
                "--out", bert.toString(), "--steps", "2", "--set", "model.objective=bert", "--set", "model.vocab-size=260",
                "--set", "model.layers=2", "--set", "model.d-model=32", "--set", "model.heads=4",
                "--set", "model.seq-len=16", "--set", "stages.layers=[2]", "--set", "stages.boundaries=[]",
                "--set", "train.batch-size=4"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertRefused(List.of("eval", "--checkpoint", bert.toString(), "--data", evalFile.toString()), "bert");
    }

    static void assertRefused(List<String> args, String expected) {
        var outcome = CliHarness.run(args);
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        String err = outcome.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(expected), err);
        assertEquals("", outcome.out(), "nothing printed on stdout");
    }

    static Path copyCheckpoint(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }
}
