package dev.apollo.run.cluster;

import dev.apollo.run.ActorSystems;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.cluster.WorkerHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Workers that run as threads of the coordinator's process ({@code apollo train --workers N --in-process}): each
 * a membership of its own, with its own cluster node and its own stream on the coordinator's media driver, exactly
 * as a worker process has, only without a JVM of its own to start. One engine serves them all.
 */
final class WorkerThreads implements LocalWorkers {

    /** How long the workers get to finish by themselves after the run, before their nodes are stopped. */
    private static final long EXIT_GRACE_SECONDS = 15;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

    private final List<Thread> threads = new ArrayList<>();
    private final List<AtomicReference<ActorSystem<Object>>> members = new ArrayList<>();

    /**
     * Starts {@code count} workers joining {@code coordinator} ({@code host:port}); {@code onEarlyExit} hears of one
     * whose membership ends other than by its release, with why.
     */
    WorkerThreads(int count, String coordinator, String secret, Path aeronDir, int coordinatorStream,
            Consumer<String> console, Consumer<String> onEarlyExit) {
        WorkerAdmission admission = new WorkerAdmission(null, null, null, "auto");
        String host = coordinator.substring(0, coordinator.lastIndexOf(':'));
        for (int i = 0; i < count; i++) {
            WorkerMembership membership = new WorkerMembership(host, coordinator, secret, null,
                    TensorPlane.Settings.ipc(aeronDir, false, coordinatorStream + 1 + i,
                            WorkerMembership.MAX_GRADIENT_ELEMENTS), admission, console);
            AtomicReference<ActorSystem<Object>> member = new AtomicReference<>();
            String name = "apollo-worker-thread-" + i;
            Thread thread = new Thread(() -> {
                WorkerHost.Exit exit = membership.run(JOIN_TIMEOUT, false, member, pending -> { });
                if (exit.code() != 0) {
                    onEarlyExit.accept(name + " ended: " + exit.message());
                }
            }, name);
            thread.setDaemon(true);
            members.add(member);
            threads.add(thread);
            thread.start();
        }
    }

    @Override
    public String describe() {
        return threads.size() + " workers as threads of this process";
    }

    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_GRACE_SECONDS);
        join(deadline);
        for (AtomicReference<ActorSystem<Object>> member : members) {
            ActorSystem<Object> system = member.get();
            if (system != null) {
                ActorSystems.stop(system);
            }
        }
        join(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }

    private void join(long deadlineNs) {
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
