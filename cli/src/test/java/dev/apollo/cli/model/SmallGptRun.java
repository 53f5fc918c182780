package dev.apollo.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One small GPT run (CliHarness's shapes, 40 steps, checkpoints at step 20 with 2 of 4 real layers and at step 40
 * with all 4) that the export, eval and generate tests share: trained once per test JVM.
 *
 * <p>Its corpus is built so that {@code apollo eval} sees exactly the trainer's validation windows. The trainer
 * validates on windows of T+1 bytes packed one after another; eval's windows overlap by the one byte of the last
 * target. A validation split of 8 windows that each begin and end with a space makes them the same windows: the
 * eval file is each validation window's first T bytes, then the last window's final space.
 */
final class SmallGptRun {

    static final int SEQ_LEN = 16; // CliHarness.SMALL_MODEL's
    static final int VALIDATION_WINDOWS = 8; // one validation batch of batch-size 8

    /** The run directory, its corpus and the eval file holding its validation windows. */
    record Paths(Path run, Path corpus, Path validationWindows) {}

    private static Paths trained;

    private SmallGptRun() {}

    static synchronized Paths get() throws IOException {
        if (trained == null) {
            Path dir = Files.createTempDirectory("apollo-small-gpt-run");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            trained = train(dir);
        }
        return trained;
    }

    private static Paths train(Path dir) throws IOException {
        String words = Files.readString(CliHarness.corpus(dir));
        StringBuilder validation = new StringBuilder();
        StringBuilder evalText = new StringBuilder();
        for (int w = 0; w < VALIDATION_WINDOWS; w++) {
            String window = " " + words.substring(w * 40, w * 40 + SEQ_LEN - 1) + " "; // T+1 bytes, spaces at both ends
            validation.append(window);
            evalText.append(window, 0, SEQ_LEN);
        }
        evalText.append(' ');
        String train = words.substring(1000);
        Path corpus = Files.writeString(dir.resolve("constructed.txt"), train + validation, StandardCharsets.UTF_8);
        Path evalFile = Files.writeString(dir.resolve("validation-windows.txt"), evalText, StandardCharsets.UTF_8);
        // the last validation.length() bytes: round(n * fraction) of an n-byte corpus
        double fraction = validation.length() / (double) (train.length() + validation.length());
        Path run = dir.resolve("run");
        var outcome = CliHarness.run(CliHarness.train(corpus, run, "--set", "data.validation-fraction=" + fraction));
        assertEquals(0, outcome.exitCode(), outcome.err());
        return new Paths(run, corpus, evalFile);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
