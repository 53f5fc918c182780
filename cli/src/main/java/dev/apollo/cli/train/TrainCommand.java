package dev.apollo.cli.train;

import dev.apollo.cli.ConfigOptions;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.TensorState;
import dev.apollo.run.TrainingRun;
import dev.apollo.run.UsageError;
import dev.apollo.run.cluster.ClusterRun;
import dev.apollo.worker.checkpoint.Checkpoint;
import dev.apollo.worker.checkpoint.CheckpointError;
import dev.apollo.worker.checkpoint.CheckpointStore;
import dev.apollo.worker.data.Vocabulary;
import dev.apollo.worker.export.HfImport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code apollo train}: runs the coordinator and a local worker to the end of the plan. Every input (config, corpus,
 * checkpoint, output directory) is checked before anything is written, so a bad one costs nothing.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train with Apollo (or any schedule the config describes) on this machine.")
public class TrainCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<date-time>; with --resume, the resumed run's).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue from a checkpoint, a checkpoints directory or a run directory (its newest checkpoint).")
    Path resume;

    @Option(names = "--init-from", paramLabel = "DIR", description = "Start a fresh run from the parameters of an `apollo export` folder of the same model; its layers are the first stage's real layers, optimizer moments start at zero.")
    Path initFrom;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Worker processes, data-parallel, each computing its share of every step's micro-batches (default 1: one process). The metrics and states are bit-identical at any N.")
    int workers;

    @Option(names = "--in-process", description = "With --workers N: run the N workers as threads of this process (one JVM, one engine; each with its own cluster node and tensor stream) instead of N worker processes.")
    boolean inProcess;

    private final PrintStream console = System.out;

    protected final boolean inProcess() {
        return inProcess;
    }

    protected final int workers() {
        return workers;
    }

    /**
     * How the run's cluster is formed, or null for the single-process run: {@code --workers N} starts N worker
     * processes on this machine, joined over loopback with a secret made for the run.
     */
    protected ClusterRun.Launch launch() {
        if (workers < 1) {
            throw new UsageError("--workers " + workers + ": must be >= 1");
        }
        if (workers == 1) {
            if (inProcess) {
                throw new UsageError("--in-process runs the workers of --workers N (N >= 2) as threads");
            }
            return null;
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new ClusterRun.Launch("127.0.0.1", 0, workers,
                inProcess ? ClusterRun.WorkerStart.THREADS : ClusterRun.WorkerStart.PROCESSES,
                HexFormat.of().formatHex(secret), null);
    }

    @Override
    public Integer call() throws Exception {
        if (initFrom != null && resume != null) {
            throw new UsageError("--init-from starts a fresh run and --resume continues one: give one of them");
        }
        Checkpoint checkpoint = resume == null ? null : CheckpointStore.read(resume);
        ApolloConfig config = checkpoint == null ? configOptions.load() : resumedConfig(checkpoint);
        String rendered = ConfigLoader.render(config);
        RunPlan plan = RunPlan.from(config);
        TensorState initial = initFrom == null ? null
                : HfImport.read(initFrom, config.model(), plan.freshStart().weights(),
                        Vocabulary.of(config.data(), config.model()));
        ClusterRun.Launch launch = launch();
        if (launch != null) {
            requireClusterCanRun(config, launch.workers());
        }
        Path runDir = runDirectory(checkpoint);
        TrainingRun.train(new TrainingRun.Start(config, rendered, runDir, checkpoint, initial, initFrom), launch,
                console);
        return 0;
    }

    private static void requireClusterCanRun(ApolloConfig config, int workers) {
        int microBatches = config.train().microBatches();
        if (workers > microBatches) {
            throw new UsageError(workers + " workers need at least as many micro-batches; a step has " + microBatches
                    + " (train.batch-size " + config.train().batchSize() + " / train.micro-batch-size "
                    + config.train().microBatchSize() + ")");
        }
    }

    /** The checkpoint's own configuration, or the one given, which must describe the same model. */
    private ApolloConfig resumedConfig(Checkpoint checkpoint) {
        ApolloConfig stored = ConfigLoader.parseStored(checkpoint.manifest().config());
        if (!configOptions.given()) {
            return requireSameTokenizer(checkpoint, stored);
        }
        ApolloConfig given = configOptions.load();
        if (!given.model().equals(stored.model())) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + " holds another model shape: "
                    + stored.model() + ", the configuration asks for " + given.model());
        }
        return requireSameTokenizer(checkpoint, given);
    }

    /** A run continues with the tokenizer it was trained with: the ids it learned mean its tokens. */
    private static ApolloConfig requireSameTokenizer(Checkpoint checkpoint, ApolloConfig config) {
        String carried;
        try {
            carried = checkpoint.tokenizer().isEmpty() ? null : Files.readString(checkpoint.tokenizer().get());
        } catch (IOException e) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + ": cannot read its tokenizer.json");
        }
        String wanted = Vocabulary.of(config.data(), config.model()).json().orElse(null);
        if (!Objects.equals(carried, wanted)) {
            throw new CheckpointError("checkpoint " + checkpoint.location() + " was trained with "
                    + (carried == null ? "the byte vocabulary" : "the tokenizer it carries (tokenizer.json)")
                    + ", the configuration gives " + (wanted == null ? "bytes" : "another tokenizer file ("
                    + config.data().tokenizer() + ")") + (carried == null ? ""
                    : ": --set data.tokenizer=" + checkpoint.tokenizer().get()));
        }
        return config;
    }

    private Path runDirectory(Checkpoint checkpoint) {
        if (out != null) {
            return out;
        }
        if (checkpoint != null) {
            Path checkpoints = checkpoint.location().toAbsolutePath().getParent();
            if (!checkpoints.getFileName().toString().equals("checkpoints")) {
                throw new UsageError("checkpoint " + checkpoint.location() + " is not inside a run directory: pass --out DIR");
            }
            return checkpoints.getParent();
        }
        return Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

}
