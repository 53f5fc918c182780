package dev.apollo.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.cli.CliHarness;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets one line naming the problem, exit code 2, and nothing written or lost. */
class BadInputTest {

    @TempDir
    static Path dir;
    static Path corpus;
    static Path run;

    @BeforeAll
    static void oneGoodRun() throws IOException {
        corpus = CliHarness.corpus(dir);
        run = dir.resolve("run");
        assertEquals(0, CliHarness.run(CliHarness.train(corpus, run)).exitCode());
    }

    private static void assertRefused(List<String> args, String expectedInMessage) {
        var outcome = CliHarness.run(args);
        assertEquals(2, outcome.exitCode(), outcome.out() + outcome.err());
        String err = outcome.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains(expectedInMessage), err);
    }

    private static void assertRefusedWithoutWriting(List<String> args, String expectedInMessage) {
        Path out = dir.resolve("never");
        assertRefused(args, expectedInMessage);
        assertFalse(Files.exists(out), "nothing was written");
    }

    @Test
    void malformedOrContradictoryConfig() {
        Path out = dir.resolve("never");
        assertRefusedWithoutWriting(CliHarness.train(corpus, out, "--set", "stages.layers=[1,2,8]"),
                "apollo.stages.layers");
        assertRefusedWithoutWriting(CliHarness.train(corpus, out, "--set", "stages.layers=[1,2,2,4]",
                "--set", "stages.boundaries=[0.1,0.2,0.3]"), "apollo.stages.layers");
        assertRefusedWithoutWriting(CliHarness.train(corpus, out, "--set", "sampler.k=-1"), "apollo.sampler.k = -1");
        assertRefusedWithoutWriting(CliHarness.train(corpus, out, "--set", "optimizer.lrr=1"), "apollo.optimizer.lrr");
        assertRefusedWithoutWriting(CliHarness.train(corpus, out, "--preset", "huge"), "unknown preset");
        assertRefusedWithoutWriting(CliHarness.train(corpus, out, "--set", "stages.boundaries=[0.001,0.002]"),
                "apollo.stages.boundaries");
    }

    @Test
    void missingEmptyOrBinaryCorpus() throws IOException {
        Path out = dir.resolve("never");
        assertRefusedWithoutWriting(CliHarness.train(dir.resolve("absent.txt"), out), "absent.txt");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        assertRefusedWithoutWriting(CliHarness.train(empty, out), "empty.txt");
        Path binary = dir.resolve("binary.bin");
        byte[] bytes = new byte[50_000];
        new java.util.Random(1).nextBytes(bytes);
        Files.write(binary, bytes);
        assertRefusedWithoutWriting(CliHarness.train(binary, out), "binary.bin");
    }

    @Test
    void outputDirectoryHoldingARunIsNotOverwritten() throws IOException {
        List<String> before = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertRefused(CliHarness.train(corpus, run), "already holds a run");
        assertEquals(before, Files.readAllLines(run.resolve("metrics.jsonl")));
    }

    @Test
    void truncatedAlteredOrForeignCheckpoint() throws IOException {
        Path copy = dir.resolve("copy");
        copyTree(run.resolve("checkpoints/step-00000020"), copy);
        Path tensors = copy.resolve("model.safetensors");
        byte[] original = Files.readAllBytes(tensors);
        try (RandomAccessFile file = new RandomAccessFile(tensors.toFile(), "rw")) {
            file.setLength(original.length / 2);
        }
        Path out = dir.resolve("never");
        assertRefusedWithoutWriting(List.of("train", "--resume", copy.toString(), "--out", out.toString()),
                "fails its checksum");
        byte[] altered = original.clone();
        altered[original.length / 2] ^= 0x10;
        Files.write(tensors, altered);
        assertRefusedWithoutWriting(List.of("train", "--resume", copy.toString(), "--out", out.toString()),
                "fails its checksum");
        Files.write(tensors, original);
        assertRefusedWithoutWriting(List.of("train", "--resume", copy.toString(), "--out", out.toString(),
                "--data", corpus.toString(), "--set", "model.d-model=64", "--set", "model.layers=4",
                "--set", "stages.layers=[1,2,4]", "--set", "stages.boundaries=[0.25,0.5]"), "another model shape");
        assertRefusedWithoutWriting(List.of("train", "--resume", dir.resolve("nothing").toString()), "no checkpoint");
        assertRefusedWithoutWriting(List.of("train", "--resume", copy.toString()), "not inside a run directory");
    }

    @Test
    void unknownOptionIsAUsageError() {
        var outcome = CliHarness.run(List.of("train", "--stepz", "3"));
        assertEquals(2, outcome.exitCode());
        assertTrue(outcome.err().contains("--stepz"), outcome.err());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
