package dev.apollo.run;

import dev.apollo.cluster.ClusterSecret;
import dev.apollo.run.cluster.AeronDirectories;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code apollo} processes one process starts: a run's local workers, a benchmark's coordinator and workers, a
 * test's cluster. Each is this JVM's java, flags and class path ({@link ChildJvm}) with the cluster secret in its
 * environment and its output where the caller says. They are stopped by the pids they were started with, every
 * wait bounded, and what a killed one left in shared memory is removed.
 */
public final class ChildProcesses implements AutoCloseable {

    private final List<Process> started = new ArrayList<>();
    private final Duration grace;

    /** {@code grace}: how long each way of stopping (an exit of their own, SIGTERM) is given before the next. */
    public ChildProcesses(Duration grace) {
        this.grace = grace;
    }

    /**
     * Starts {@code apollo args}, under {@code prefix} (e.g. {@code ip netns exec NAME}, which execs it in place),
     * with {@code secret} as the cluster secret (null: none in its environment) and {@code environment} besides.
     */
    public synchronized Process start(List<String> prefix, List<String> args, String secret,
            Map<String, String> environment, ProcessBuilder.Redirect output) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(ChildJvm.apollo(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output);
        builder.environment().putAll(environment);
        if (secret != null) {
            builder.environment().put(ClusterSecret.ENV, secret);
        } else {
            builder.environment().remove(ClusterSecret.ENV);
        }
        Process process = builder.start();
        started.add(process);
        return process;
    }

    /** Every process started so far, in order. */
    public synchronized List<Process> started() {
        return List.copyOf(started);
    }

    /** Stops one: SIGTERM, then SIGKILL if it is still there after the grace; waits for it either way. */
    public void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Kills one at once (SIGKILL: no goodbye) and waits for it. */
    public void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Gives every process the grace to exit by itself, then stops the rest (SIGTERM, then SIGKILL), by the pids they
     * were started with, and removes the Aeron directories of any that did not exit cleanly.
     */
    @Override
    public void close() {
        List<Process> all = started();
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            for (Process process : all) {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            for (Process process : all) {
                if (process.isAlive()) {
                    stop(process);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(Process::destroyForcibly);
        }
        for (Process process : all) {
            if (!process.isAlive() && process.exitValue() != 0) {
                AeronDirectories.removeLeftBy(process.pid());
            }
        }
    }
}
