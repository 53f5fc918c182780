package dev.apollo.run.cluster;

import dev.apollo.run.ChildProcesses;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The worker processes {@code apollo train --workers N} starts on this machine: the same JVM, class path and flags
 * as this one, joining this coordinator over loopback with the run's secret in their environment, and attached to
 * this process's media driver, so that tensors move between them over Aeron IPC, each on its own stream. They never outlive
 * the run: each watches this process and exits when it is gone, and {@link #close()} stops, by the pids it started,
 * any still running.
 */
final class WorkerProcesses implements LocalWorkers {

    /** How long the workers get to exit by themselves after the run, before they are stopped. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(15);

    private final ChildProcesses children = new ChildProcesses(EXIT_GRACE);

    /**
     * Starts {@code count} workers joining {@code coordinator} ({@code host:port}); {@code onEarlyExit} hears of one
     * that exits while the run still needs it, with its one-line description.
     */
    WorkerProcesses(int count, String coordinator, String secret, int threads, Path aeronDir, int coordinatorStream,
            Consumer<String> onEarlyExit) {
        try {
            for (int i = 0; i < count; i++) {
                Process process = children.start(List.of(), arguments(coordinator, threads, aeronDir,
                        coordinatorStream + 1 + i), secret, Map.of(), ProcessBuilder.Redirect.INHERIT);
                process.onExit().thenAccept(done -> {
                    if (done.exitValue() != 0) {
                        onEarlyExit.accept("worker process " + done.pid() + " exited with code " + done.exitValue());
                    }
                });
            }
        } catch (IOException e) {
            close();
            throw new IllegalStateException("cannot start a worker process: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return children.started().size() + " worker processes (pids "
                + children.started().stream().map(Process::pid).toList() + ")";
    }

    private static List<String> arguments(String coordinator, int threads, Path aeronDir, int stream) {
        return List.of("worker", "--join", coordinator, "--threads", Integer.toString(threads),
                "--bind", coordinator.substring(0, coordinator.lastIndexOf(':')),
                "--parent-pid", Long.toString(ProcessHandle.current().pid()),
                "--aeron-dir", aeronDir.toString(), "--tensor-stream", Integer.toString(stream));
    }

    /** Waits a while for the workers to exit, then stops the rest, by their pids. */
    @Override
    public void close() {
        children.close();
    }
}
