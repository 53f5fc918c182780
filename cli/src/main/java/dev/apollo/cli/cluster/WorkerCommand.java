package dev.apollo.cli.cluster;

import ai.djl.engine.Engine;
import dev.apollo.cli.ConfigOptions;
import dev.apollo.cli.UsageError;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.cluster.WorkerHost;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code apollo worker}: one device's worker process. It joins the coordinator's cluster, takes the run's
 * configuration from it, checks that it reads the same corpus (and the same model, when it was given one), trains
 * its share of every step, and exits when the run ends or when it is refused (exit 2). When the coordinator is gone,
 * it looks for it again for a bounded time (a coordinator restarted with {@code --resume}), then exits 1.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Join a coordinator's cluster as one device's worker (one process per device).")
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT", description = "The coordinator's address, as it printed it.")
    String join;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", description = "cpu, gpu:K or auto (a GPU when one is visible). Default: auto.")
    String device;

    @Option(names = "--threads", paramLabel = "T", description = "Intra-op threads of the tensor engine (default: the run's runtime.threads).")
    Integer threads;

    @Option(names = "--bind", paramLabel = "HOST", description = "This node's address, for the cluster and the tensor plane (default: the local address that reaches the coordinator).")
    String bind;

    @Option(names = "--join-timeout", paramLabel = "SECONDS", defaultValue = "60", description = "How long to look for the coordinator before giving up. Default: 60.")
    int joinTimeoutSeconds;

    @Option(names = "--rejoin-timeout", paramLabel = "SECONDS", defaultValue = "120", description = "When the coordinator is gone (or declared this worker dead), how long to look for it again, e.g. restarted with --resume, before exiting 1; 0: exit at once. Default: 120.")
    int rejoinTimeoutSeconds;

    @Mixin
    ClusterSecurity security;

    @Option(names = "--parent-pid", hidden = true, description = "Exit when this process is gone (set by apollo train --workers).")
    Long parentPid;

    @Option(names = "--aeron-dir", hidden = true, description = "Attach to this media driver and use IPC (set by apollo train --workers).")
    Path aeronDir;

    @Option(names = "--tensor-stream", hidden = true, description = "This worker's IPC stream on the shared driver.")
    int tensorStream = STREAM_ID;

    @Mixin
    ConfigOptions expected;

    private final PrintStream console = System.out;

    /** How long one attempt to join a coordinator that came back lasts before a fresh node tries again. */
    private static final Duration REJOIN_ATTEMPT = Duration.ofSeconds(20);
    /** Each worker has its own UDP endpoint, so the stream id only has to be the same on both ends. */
    private static final int STREAM_ID = 2001;

    @Override
    public Integer call() {
        if (joinTimeoutSeconds < 1 || rejoinTimeoutSeconds < 0) {
            throw new UsageError("--join-timeout must be >= 1 and --rejoin-timeout >= 0 (seconds)");
        }
        WorkerAdmission admission = new WorkerAdmission(threads, expected.data(),
                expected.describesModel() ? expected.load().model() : null, device);
        // Ready before asking: the engine's native library takes about a second to load, which a join would wait for.
        Engine.getInstance();
        String host = bind != null ? bind : localAddressToward(join);
        TensorPlane.Settings planeSettings = aeronDir != null
                ? TensorPlane.Settings.ipc(aeronDir, false, tensorStream, WorkerMembership.MAX_GRADIENT_ELEMENTS)
                : TensorPlane.Settings.udp(AeronDirectories.forThisProcess("worker"), true, host, STREAM_ID,
                        WorkerMembership.MAX_GRADIENT_ELEMENTS);
        WorkerMembership membership = new WorkerMembership(host, join, security.secret(), security.tls(),
                planeSettings, admission, console::println);
        // Told to stop (SIGTERM), the worker leaves cleanly, with the JVM still whole: it asks the coordinator to
        // let it go after its step, and exits 0 once released. (Shutting the JVM down first would stop the
        // cluster's heartbeats while the step finishes.) A second SIGTERM, SIGINT and SIGKILL stop it at once.
        AtomicReference<ActorSystem<Object>> member = new AtomicReference<>();
        AtomicBoolean told = new AtomicBoolean();
        Signal.handle(new Signal("TERM"), signal -> {
            if (told.getAndSet(true)) {
                System.exit(143);
            }
            ActorSystem<Object> system = member.get();
            if (system != null) {
                system.tell(new WorkerHost.Leave());
            }
        });
        long lookingSince = 0; // System.nanoTime() when the coordinator was lost, while looking for it again
        while (true) {
            Duration lookFor = Duration.ofSeconds(joinTimeoutSeconds);
            if (lookingSince != 0) {
                long left = TimeUnit.SECONDS.toNanos(rejoinTimeoutSeconds) - (System.nanoTime() - lookingSince);
                lookFor = Duration.ofNanos(Math.max(TimeUnit.SECONDS.toNanos(1), Math.min(left, REJOIN_ATTEMPT.toNanos())));
            }
            WorkerHost.Exit done = membership.run(lookFor, lookingSince != 0, member, exit -> {
                if (told.get()) { // told to stop while this membership started
                    member.get().tell(new WorkerHost.Leave());
                }
                watchParent(exit);
            });
            // A coordinator that failed may be restarted with --resume: a worker still running joins it again, as a
            // new member with a new id (the old one was downed), and takes the state the run resumes from. The
            // same holds for a worker the coordinator declared dead after a partition healed or a pause ended.
            boolean rejoin = done.coordinatorLost() && rejoinTimeoutSeconds > 0 && parentPid == null && !told.get();
            if (rejoin && lookingSince == 0) {
                console.printf(Locale.ROOT, "apollo worker: %s; looking for it at %s again for up to %d s%n",
                        done.message(), join, rejoinTimeoutSeconds);
                lookingSince = System.nanoTime();
            } else if (rejoin && WorkerMembership.notFound(done)) {
                if (System.nanoTime() - lookingSince >= TimeUnit.SECONDS.toNanos(rejoinTimeoutSeconds)) {
                    System.err.println("apollo worker: the coordinator did not come back within "
                            + rejoinTimeoutSeconds + " s (--rejoin-timeout)");
                    return 1;
                }
                // each attempt is a fresh node: one started while the link was cut can keep a stuck association
            } else if (rejoin) {
                lookingSince = System.nanoTime(); // it came back and was lost again
            } else {
                (done.code() == 0 ? console : System.err).println("apollo worker: " + done.message());
                return done.code();
            }
        }
    }

    /** The local address the coordinator's host is reached from: what the coordinator must send tensors back to. */
    static String localAddressToward(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new UsageError("--join " + hostPort + ": expected HOST:PORT");
        }
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1)))); // no packet is sent
            return probe.getLocalAddress().getHostAddress();
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageError("--join " + hostPort + ": " + e.getMessage());
        }
    }

    /** A worker started by {@code apollo train --workers} never outlives that process. */
    private void watchParent(CompletableFuture<WorkerHost.Exit> exit) {
        if (parentPid == null) {
            return;
        }
        Thread watcher = new Thread(() -> {
            while (!exit.isDone()) {
                if (ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false)) {
                    try {
                        TimeUnit.MILLISECONDS.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                } else {
                    exit.complete(new WorkerHost.Exit(1, "the coordinator's process " + parentPid + " is gone"));
                }
            }
        }, "apollo-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

}
