package dev.apollo.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.apollo.cli.CliHarness;
import dev.apollo.worker.data.ByteTokenizer;
import dev.apollo.worker.export.CheckpointModel;
import dev.apollo.worker.export.GptInference;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apollo generate}: the prompt, then its continuation; a seed fixes the text; greedy at temperature 0. */
class GenerateCommandTest {

    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void sharedRun() throws IOException {
        run = SmallGptRun.get().run();
    }

    private static String generate(Path checkpoint, String prompt, String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--checkpoint", checkpoint.toString(), "--prompt", prompt,
                "--max-new-tokens", "16"));
        args.addAll(List.of(extra));
        var outcome = CliHarness.run(args);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().startsWith(prompt), outcome.out());
        return outcome.out();
    }

    @Test
    void theSameSeedGivesTheSameTextAndAnotherSeedAnother() {
        String first = generate(run, "the quick", "--temperature", "1.0", "--seed", "7");
        assertEquals(first, generate(run, "the quick", "--temperature", "1.0", "--seed", "7"));
        assertNotEquals(first, generate(run, "the quick", "--temperature", "1.0", "--seed", "8"));
        assertTrue(first.strip().length() > "the quick".length() + 8, first);
    }

    @Test
    void temperatureZeroIsTheGreedyContinuation() {
        String greedy = generate(run, "a lazy", "--temperature", "0", "--seed", "1");
        assertEquals(greedy, generate(run, "a lazy", "--temperature", "0", "--seed", "2"), "greedy ignores the seed");
        StringBuilder expected = new StringBuilder("a lazy");
        CheckpointModel model = CheckpointModel.read(run);
        try (GptInference inference = GptInference.atFullDepth(model, Device.cpu())) {
            int[] tokens = ByteTokenizer.encode("a lazy");
            for (int i = 0; i < 16; i++) {
                float[] logits = inference.nextTokenLogits(
                        Arrays.copyOfRange(tokens, Math.max(0, tokens.length - SmallGptRun.SEQ_LEN), tokens.length));
                int best = 0;
                for (int id = 1; id < 256; id++) {
                    best = logits[id] > logits[best] ? id : best;
                }
                tokens = Arrays.copyOf(tokens, tokens.length + 1);
                tokens[tokens.length - 1] = best;
                expected.append((char) best); // the model has seen ASCII only
            }
        }
        assertEquals(expected + System.lineSeparator(), greedy);
    }

    @Test
    void aMidStageCheckpointAndANonAsciiPromptWork() {
        String text = generate(run.resolve("checkpoints/step-00000020"), "café au lait", "--seed", "3");
        assertTrue(text.length() > "café au lait".length() + 8, text);
    }

    @Test
    void badInputIsRefusedOnOneLine() throws IOException {
        String checkpoint = run.toString();
        assertRefused(List.of("generate", "--checkpoint", checkpoint, "--prompt", ""), "--prompt is empty");
        assertRefused(List.of("generate", "--checkpoint", checkpoint, "--prompt", "x", "--temperature", "-1"),
                "--temperature -1.0");
        assertRefused(List.of("generate", "--checkpoint", checkpoint, "--prompt", "x", "--top-k", "-2"), "--top-k -2");
        assertRefused(List.of("generate", "--checkpoint", checkpoint, "--prompt", "x", "--max-new-tokens", "0"),
                "--max-new-tokens 0");
        assertRefused(List.of("generate", "--checkpoint", dir.resolve("nothing").toString(), "--prompt", "x"),
                "no checkpoint");
        Path truncated = Files.createDirectories(dir.resolve("truncated"));
        try (var files = Files.list(run.resolve("checkpoints/step-00000040"))) {
            for (Path file : files.toList()) {
                Files.copy(file, truncated.resolve(file.getFileName()));
            }
        }
        try (RandomAccessFile file = new RandomAccessFile(truncated.resolve("model.safetensors").toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        assertRefused(List.of("generate", "--checkpoint", truncated.toString(), "--prompt", "x"), "fails its checksum");
    }

    private static void assertRefused(List<String> args, String expected) {
        var outcome = CliHarness.run(args);
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        String err = outcome.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(expected), err);
        assertEquals("", outcome.out(), "nothing printed");
    }
}
