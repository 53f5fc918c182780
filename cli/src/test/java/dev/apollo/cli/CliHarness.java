package dev.apollo.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the CLI in-process and captures what it prints; small shapes so a training run takes seconds. */
public final class CliHarness {

    public record Outcome(int exitCode, String out, String err) {}

    public static final List<String> SMALL_MODEL = List.of("--set", "model.layers=4", "--set", "model.d-model=32",
            "--set", "model.heads=4", "--set", "model.seq-len=16", "--set", "stages.layers=[1,2,4]",
            "--set", "stages.boundaries=[0.25,0.5]", "--set", "train.batch-size=8", "--set", "train.eval-every=10",
            "--set", "train.eval-batches=2", "--set", "train.checkpoint-every=20");

    private CliHarness() {}

    public static synchronized Outcome run(List<String> args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = ApolloCli.run(args.toArray(String[]::new));
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    public static List<String> train(Path data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(),
                "--steps", "40"));
        args.addAll(SMALL_MODEL);
        args.addAll(List.of(extra));
        return args;
    }

    public static Path corpus(Path dir) throws IOException {
        String[] words = "the quick brown fox jumps over a lazy dog while small birds sing at dawn".split(" ");
        SplittableRandom random = new SplittableRandom(3);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append(words[random.nextInt(words.length)]).append(' ');
        }
        Path file = dir.resolve("corpus.txt");
        Files.writeString(file, text);
        return file;
    }

    /** The {@code step} field of a metrics row. */
    public static long stepOf(String metricsRow) {
        Matcher step = Pattern.compile("\"step\":(\\d+)").matcher(metricsRow);
        assertTrue(step.find(), metricsRow);
        return Long.parseLong(step.group(1));
    }

    /** The run's step and validation rows without their clocks: what does not depend on how it was computed. */
    public static List<String> metricsWithoutClocks(Path runDir) throws IOException {
        return Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .filter(line -> line.startsWith("{\"type\":\"train\"") || line.startsWith("{\"type\":\"val\""))
                .map(line -> line.replaceAll(",\"(wall|work|time)\":[^,}]*", "")).toList();
    }

    /** The SHA-256 of every file under {@code dir}, by relative path. */
    public static List<String> fileDigests(Path dir) throws IOException {
        List<String> digests = new ArrayList<>();
        try (var files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                digests.add(dir.relativize(file) + " " + HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(file))));
            }
        }
        return digests;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
