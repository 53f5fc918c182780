package dev.apollo.cli.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.apollo.cli.CliHarness;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.worker.checkpoint.Safetensors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apollo export} end to end, and {@code apollo train --init-from} reading its folder back bit for bit. */
class ExportCommandTest {

    @TempDir
    static Path dir;
    static Path run;
    static Path corpus;

    @BeforeAll
    static void sharedRun() throws IOException {
        run = SmallGptRun.get().run();
        corpus = SmallGptRun.get().corpus();
    }

    private static CliHarness.Outcome export(Path checkpoint, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("export", "--checkpoint", checkpoint.toString(), "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliHarness.run(args);
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    @Test
    void exportsTheNewestCheckpointOfARunAsGpt2() throws IOException {
        Path out = dir.resolve("full");
        var outcome = export(run, out);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("GPT2LMHeadModel"), outcome.out());
        assertTrue(outcome.out().contains("52 tensors"), outcome.out()); // wte, wpe, 4 x 12 per layer, ln_f
        for (String file : List.of("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                "apollo_export.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        assertEquals(4, json(out.resolve("config.json")).get("n_layer").getAsInt());
        assertEquals(40, json(out.resolve("apollo_export.json")).get("step").getAsLong());
    }

    @Test
    void aMidStageCheckpointExportsAtDepthLOrTheDepthAsked() throws IOException {
        Path checkpoint = run.resolve("checkpoints/step-00000020"); // 2 real layers of 4
        Path atL = dir.resolve("mid-L");
        assertEquals(0, export(checkpoint, atL).exitCode());
        assertEquals(4, json(atL.resolve("config.json")).get("n_layer").getAsInt());
        assertEquals("[0,0,1,1]", json(atL.resolve("apollo_export.json")).get("layerMap").toString());
        Path at6 = dir.resolve("mid-6");
        var outcome = export(checkpoint, at6, "--depth", "6");
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("6 layers running real layers [0, 0, 0, 1, 1, 1] (interpolation)"),
                outcome.out());
        assertEquals(6, json(at6.resolve("config.json")).get("n_layer").getAsInt());
        assertEquals(2 + 6 * 12 + 2, Safetensors.read(at6.resolve("model.safetensors")).size());
    }

    @Test
    void exportThenInitFromIsBitExact() throws IOException {
        Path folder = dir.resolve("for-init");
        assertEquals(0, export(run, folder).exitCode());
        Path initialized = dir.resolve("initialized");
        // One step at a learning rate far below every parameter's float resolution: what the checkpoint after it
        // holds is what --init-from loaded.
        var outcome = CliHarness.run(CliHarness.train(corpus, initialized, "--init-from", folder.toString(),
                "--set", "train.steps=1", "--set", "stages.layers=[4]", "--set", "stages.boundaries=[]",
                "--set", "optimizer.lr=1e-30"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().contains("parameters from " + folder), outcome.out());
        Map<String, NamedTensor> original = tensors(run.resolve("checkpoints/step-00000040/model.safetensors"));
        Map<String, NamedTensor> loaded = tensors(initialized.resolve("checkpoints/step-00000001/model.safetensors"));
        assertEquals(original.keySet(), loaded.keySet());
        original.forEach((name, tensor) -> assertArrayEquals(tensor.values(), loaded.get(name).values(), name));
        JsonObject firstStep = Files.readAllLines(initialized.resolve("metrics.jsonl")).stream()
                .map(line -> new Gson().fromJson(line, JsonObject.class))
                .filter(row -> row.get("type").getAsString().equals("train")).findFirst().orElseThrow();
        assertTrue(firstStep.get("loss").getAsDouble() < Math.log(256) - 1, "trained weights, not fresh ones");
    }

    @Test
    void initFromAFolderOfAnotherShapeIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path folder = dir.resolve("for-refusal");
        assertEquals(0, export(run, folder).exitCode());
        Path out = dir.resolve("never");
        assertRefused(CliHarness.train(corpus, out, "--init-from", folder.toString()), "holds 4 layers");
        assertRefused(CliHarness.train(corpus, out, "--init-from", folder.toString(), "--set", "model.d-model=64",
                "--set", "stages.layers=[4]", "--set", "stages.boundaries=[]"), "n_embd");
        assertRefused(CliHarness.train(corpus, out, "--init-from", folder.toString(), "--set", "model.seq-len=32",
                "--set", "stages.layers=[4]", "--set", "stages.boundaries=[]"), "n_positions");
        assertRefused(CliHarness.train(corpus, out, "--init-from", run.resolve("checkpoints/step-00000040").toString(),
                "--set", "stages.layers=[4]", "--set", "stages.boundaries=[]"), "config.json is missing");
        assertRefused(List.of("train", "--init-from", folder.toString(), "--resume", run.toString(), "--out",
                out.toString()), "give one of them");
        assertFalse(Files.exists(out), "nothing was written");
    }

    @Test
    void badInputIsRefusedAndNothingIsWritten() throws IOException {
        Path out = dir.resolve("never-export");
        assertRefused(List.of("export", "--checkpoint", dir.resolve("nothing").toString(), "--out", out.toString()),
                "no checkpoint");
        Path altered = dir.resolve("altered");
        Files.createDirectories(altered);
        try (var files = Files.list(run.resolve("checkpoints/step-00000040"))) {
            for (Path file : files.toList()) {
                Files.copy(file, altered.resolve(file.getFileName()));
            }
        }
        try (RandomAccessFile file = new RandomAccessFile(altered.resolve("model.safetensors").toFile(), "rw")) {
            file.seek(2000);
            int b = file.read();
            file.seek(2000);
            file.write(b ^ 0x40);
        }
        assertRefused(List.of("export", "--checkpoint", altered.toString(), "--out", out.toString()), "fails its checksum");
        assertRefused(List.of("export", "--checkpoint", run.toString(), "--out", out.toString(), "--depth", "0"),
                "--depth 0");
        assertFalse(Files.exists(out), "nothing was written");
        Path occupied = Files.createDirectories(dir.resolve("occupied"));
        Files.writeString(occupied.resolve("notes.txt"), "mine");
        assertRefused(List.of("export", "--checkpoint", run.toString(), "--out", occupied.toString()), "not an empty");
        assertEquals(List.of(occupied.resolve("notes.txt")), Files.list(occupied).toList());
        assertEquals("mine", Files.readString(occupied.resolve("notes.txt")));
    }

    private static void assertRefused(List<String> args, String expected) {
        var outcome = CliHarness.run(args);
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        String err = outcome.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(expected), err);
    }

    private static Map<String, NamedTensor> tensors(Path file) throws IOException {
        return Safetensors.read(file).stream().collect(Collectors.toMap(NamedTensor::name, Function.identity()));
    }
}
