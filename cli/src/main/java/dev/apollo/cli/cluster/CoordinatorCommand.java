package dev.apollo.cli.cluster;

import dev.apollo.cli.train.TrainCommand;
import dev.apollo.run.UsageError;
import dev.apollo.run.cluster.ClusterRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo coordinator}: the same run as {@code apollo train}, its workers started by hand on other nodes with
 * {@code apollo worker --join}. It waits {@code cluster.join-timeout} for {@code --workers} of them.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = "Coordinate a run whose workers join from other nodes (apollo worker --join HOST:PORT).")
public final class CoordinatorCommand extends TrainCommand {

    @Option(names = "--bind", required = true, paramLabel = "HOST:PORT", description = "Address the workers reach this node at (port 0: any free one).")
    String bind;

    @Mixin
    ClusterSecurity security;

    @Override
    protected ClusterRun.Launch launch() {
        int colon = bind.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(bind.substring(colon + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            port = -1;
        }
        if (colon < 1 || port < 0 || port > 65535) {
            throw new UsageError("--bind " + bind + ": expected HOST:PORT with a port in [0, 65535]");
        }
        if (inProcess()) {
            throw new UsageError("--in-process: a coordinator's workers join it with apollo worker");
        }
        if (workers() < 1) {
            throw new UsageError("--workers " + workers() + ": must be >= 1");
        }
        return new ClusterRun.Launch(bind.substring(0, colon), port, workers(), ClusterRun.WorkerStart.NONE,
                security.secret(),
                security.tls());
    }
}
