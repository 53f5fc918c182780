package dev.apollo.experiments;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * PyTorch's gloo all-reduce on this host, the ring users of a distributed trainer compare with: processes on
 * loopback, run by {@code python3} with {@code torch} (Debian's {@code python3-torch}) where it is installed.
 * Every process it starts is stopped by the handle it was started with, within a bounded wait.
 */
public final class GlooBaseline {

    /** One figure: {@code ranks} processes summing {@code bytes} of int64 each, median seconds and bus bandwidth. */
    public record Row(int ranks, long bytes, double seconds, double busGBps) {}

    /** The rows, or why there are none. */
    public record Measured(List<Row> rows, String missing) {}

    /** The one on the PATH, then the system's, where Debian's python3-torch goes when the PATH leads elsewhere. */
    private static final List<String> PYTHONS = List.of("python3", "/usr/bin/python3");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    private GlooBaseline() {}

    public static Measured measure(List<Integer> ranks, long[] sizes, int repeats) throws IOException, InterruptedException {
        String python = null;
        for (String candidate : PYTHONS) {
            if (python == null && run(List.of(candidate, "-c", "import torch.distributed"), PROBE_TIMEOUT)
                    .exitCode() == 0) {
                python = candidate;
            }
        }
        if (python == null) {
            return new Measured(List.of(), "no python3 with torch here (apt-get install python3-torch)");
        }
        Path script = Files.createTempFile("apollo-gloo-", ".py");
        try (InputStream source = GlooBaseline.class.getResourceAsStream("/bench/gloo_allreduce.py")) {
            Files.write(script, source.readAllBytes());
            String mib = java.util.Arrays.stream(sizes).mapToObj(bytes -> Long.toString(bytes >> 20))
                    .collect(Collectors.joining(","));
            List<Row> rows = new ArrayList<>();
            for (int n : ranks) {
                Output out = run(List.of(python, script.toString(), Integer.toString(n),
                        Integer.toString(freePort()), Integer.toString(repeats), mib), RUN_TIMEOUT);
                if (out.exitCode() != 0) {
                    return new Measured(rows, "gloo with " + n + " ranks failed: " + lastLine(out.text()));
                }
                out.text().lines().filter(line -> line.matches("\\d+ \\d+ [0-9.eE+-]+")).forEach(line -> {
                    String[] fields = line.split(" ");
                    long bytes = Long.parseLong(fields[1]) << 20;
                    double seconds = Double.parseDouble(fields[2]);
                    rows.add(new Row(n, bytes, seconds, 2.0 * (n - 1) / n * bytes / seconds / 1e9));
                });
            }
            return new Measured(rows, null);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private record Output(int exitCode, String text) {}

    /** Runs {@code command} to its end or {@code timeout}, then stops it and every process it started. */
    private static Output run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("apollo-gloo-", ".log");
        Process process = null;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Output(124, "timed out after " + timeout.toSeconds() + " s");
            }
            return new Output(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) { // no python3 at all
            return new Output(127, e.getMessage());
        } finally {
            if (process != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
    }

    public static String format(Row row) {
        return String.format(Locale.ROOT, "%-9s  %5d  %8d  %8.4f  %8.2f", "gloo", row.ranks(), row.bytes() >> 20,
                row.seconds(), row.busGBps());
    }
}
