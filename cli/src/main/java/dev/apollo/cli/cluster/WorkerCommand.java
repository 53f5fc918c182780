package dev.apollo.cli.cluster;

import dev.apollo.cli.ConfigOptions;
import dev.apollo.run.cluster.WorkerProcess;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo worker}: one device's worker process ({@link WorkerProcess}). It exits 0 when the run ends, 2 when
 * it is refused, and 1 when the coordinator is gone and did not come back within {@code --rejoin-timeout}.
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
    int tensorStream = WorkerProcess.STREAM_ID;

    @Mixin
    ConfigOptions expected;

    @Override
    public Integer call() {
        return new WorkerProcess(join, device, threads, bind, joinTimeoutSeconds, rejoinTimeoutSeconds,
                security.secret(), security.tls(), parentPid, aeronDir, tensorStream, expected.data(),
                expected.describesModel() ? expected.load().model() : null, System.out).run();
    }
}
