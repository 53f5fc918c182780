package dev.apollo.cli.cluster;

import dev.apollo.run.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code apollo} processes a test starts ({@link ChildProcesses}, as the launcher and the benchmarks start
 * theirs), with their output kept for the test to read. Every one is stopped by the pid it was started with when
 * the test ends, and the test can check that none left an Aeron directory.
 */
final class Processes implements AutoCloseable {

    /** A started process and everything it printed so far (stdout and stderr merged). */
    record Started(Process process, StringBuffer output, CompletableFuture<Void> drained) {
        String text() {
            return output.toString();
        }
    }

    /** The password of the stores {@link #selfSignedStore} makes. */
    static final String KEYSTORE_PASSWORD = "changeit";

    /** A test's processes get a few seconds to exit by themselves, then SIGTERM, then SIGKILL. */
    private final ChildProcesses children = new ChildProcesses(Duration.ofSeconds(10));

    /** A PKCS12 store with one self-signed certificate: a node's key store, and its peers' trust store. */
    static Path selfSignedStore(Path dir) throws IOException, InterruptedException {
        Path store = dir.resolve("node.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=apollo-test",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass",
                KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD).redirectErrorStream(true).start();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            keytool.destroyForcibly();
            throw new IOException("keytool failed: " + new String(keytool.getInputStream().readAllBytes()));
        }
        return store;
    }

    Started apollo(String secret, List<String> args) throws IOException {
        return apollo(List.of(), secret, args);
    }

    /** The same, the command run under {@code prefix} (e.g. {@code ip netns exec NAME}, which execs it in place). */
    Started apollo(List<String> prefix, String secret, List<String> args) throws IOException {
        Process process = children.start(prefix, args, secret,
                Map.of(ClusterSecurity.KEYSTORE_PASSWORD, KEYSTORE_PASSWORD), ProcessBuilder.Redirect.PIPE);
        StringBuffer output = new StringBuffer();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.append(line).append('\n');
                }
            } catch (IOException e) {
                output.append("(output lost: ").append(e).append(")\n");
            }
        });
        return new Started(process, output, drained);
    }

    /** Waits for {@code pattern} in the output and returns its first group. */
    static String await(Started started, Pattern pattern, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            Matcher matcher = pattern.matcher(started.text());
            if (matcher.find()) {
                return matcher.group(1);
            }
            if (!started.process().isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + pattern + " in:\n" + started.text());
    }

    /** The exit code, waiting at most {@code seconds}. */
    static int exitCode(Started started, long seconds) throws InterruptedException {
        if (!started.process().waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("still running after " + seconds + " s:\n" + started.text());
        }
        started.drained().orTimeout(10, TimeUnit.SECONDS).join();
        return started.process().exitValue();
    }

    /** Aeron directories that the processes this test started left behind. */
    List<Path> aeronDirectoriesLeft() throws IOException {
        List<Path> left = new ArrayList<>();
        for (Path base : List.of(Path.of("/dev/shm"), Path.of(System.getProperty("java.io.tmpdir")))) {
            if (!Files.isDirectory(base)) {
                continue;
            }
            try (var dirs = Files.list(base)) {
                for (Path dir : dirs.toList()) {
                    for (Process one : children.started()) {
                        if (dir.getFileName().toString().matches("apollo-\\w+-" + one.pid() + "-.*")) {
                            left.add(dir);
                        }
                    }
                }
            }
        }
        return left;
    }

    @Override
    public void close() {
        children.close();
    }
}
