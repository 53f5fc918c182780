package dev.apollo.run.cluster;

import ai.djl.engine.Engine;
import dev.apollo.cluster.TlsStores;
import dev.apollo.config.ModelConfig;
import dev.apollo.run.UsageError;
import dev.apollo.tensor.TensorPlane;
import dev.apollo.worker.cluster.WorkerHost;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import sun.misc.Signal;

/**
 * One device's worker process: it joins the coordinator's cluster, takes the run's configuration from it, checks
 * that it reads the same corpus (and the same model, when it was given one), trains its share of every step, and
 * ends when the run ends or when it is refused. When the coordinator is gone, it looks for it again for a bounded
 * time (a coordinator restarted with {@code --resume}) and joins it as a new member.
 *
 * @param join the coordinator's host:port
 * @param device cpu, gpu:K or auto
 * @param threads the tensor engine's intra-op threads, or null for the run's
 * @param bind this node's address, or null for the local address that reaches the coordinator
 * @param parentPid a process this worker never outlives (set by {@code apollo train --workers}), or null
 * @param aeronDir a media driver to attach to over IPC (set by {@code apollo train --workers}), or null for UDP
 * @param data the corpus this worker reads, checked against the run's
 * @param expectedModel the model this worker was told to expect, or null
 */
public record WorkerProcess(String join, String device, Integer threads, String bind, int joinTimeoutSeconds,
        int rejoinTimeoutSeconds, String secret, TlsStores tls, Long parentPid, Path aeronDir, int tensorStream,
        Path data, ModelConfig expectedModel, PrintStream console) {

    /** How long one attempt to join a coordinator that came back lasts before a fresh node tries again. */
    private static final Duration REJOIN_ATTEMPT = Duration.ofSeconds(20);
    /** Each worker has its own UDP endpoint, so the stream id only has to be the same on both ends. */
    public static final int STREAM_ID = 2001;

    public WorkerProcess {
        if (joinTimeoutSeconds < 1 || rejoinTimeoutSeconds < 0) {
            throw new UsageError("--join-timeout must be >= 1 and --rejoin-timeout >= 0 (seconds)");
        }
    }

    /** Runs the worker to its end; the exit code: 0 released, 1 gone or given up, 2 refused. */
    public int run() {
        WorkerAdmission admission = new WorkerAdmission(threads, data, expectedModel, device);
        // Ready before asking: the engine's native library takes about a second to load, which a join would wait for.
        Engine.getInstance();
        String host = bind != null ? bind : localAddressToward(join);
        TensorPlane.Settings planeSettings = aeronDir != null
                ? TensorPlane.Settings.ipc(aeronDir, false, tensorStream, WorkerMembership.MAX_GRADIENT_ELEMENTS)
                : TensorPlane.Settings.udp(AeronDirectories.forThisProcess("worker"), true, host, STREAM_ID,
                        WorkerMembership.MAX_GRADIENT_ELEMENTS);
        WorkerMembership membership = new WorkerMembership(host, join, secret, tls,
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
    public static String localAddressToward(String hostPort) {
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
