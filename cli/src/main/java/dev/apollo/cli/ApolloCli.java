package dev.apollo.cli;

import dev.apollo.cli.bench.BenchCommand;
import dev.apollo.cli.cluster.CoordinatorCommand;
import dev.apollo.cli.cluster.LeaveCommand;
import dev.apollo.cli.cluster.WorkerCommand;
import dev.apollo.cli.model.EvalCommand;
import dev.apollo.cli.model.ExportCommand;
import dev.apollo.cli.model.GenerateCommand;
import dev.apollo.cli.simulate.SimulateCommand;
import dev.apollo.cli.tokenizer.TokenizerCommand;
import dev.apollo.cli.train.PlanCommand;
import dev.apollo.cli.train.TrainCommand;
import dev.apollo.config.ConfigError;
import dev.apollo.coordinator.actor.RunFailedException;
import dev.apollo.run.UsageError;
import dev.apollo.tokenizer.TokenizerError;
import dev.apollo.worker.checkpoint.CheckpointError;
import dev.apollo.worker.data.DataError;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code apollo} launcher. Exit codes: 0 done; 1 the run failed while training; 2 bad input (usage, config,
 * corpus, checkpoint), reported on one line with nothing written or lost.
 */
@Command(name = "apollo", mixinStandardHelpOptions = true, version = "apollo-trainer 0.1.0",
        description = "Pretrain GPT and BERT from scratch with Apollo progressive training.",
        subcommands = {TrainCommand.class, PlanCommand.class, BenchCommand.class, ExportCommand.class,
                EvalCommand.class, GenerateCommand.class, SimulateCommand.class, CoordinatorCommand.class,
                WorkerCommand.class, LeaveCommand.class, TokenizerCommand.class})
public final class ApolloCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code. */
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new ApolloCli());
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof ConfigError || exception instanceof DataError || exception instanceof CheckpointError
                    || exception instanceof UsageError || exception instanceof TokenizerError) {
                line.getErr().println("apollo: " + exception.getMessage());
                return 2;
            }
            if (exception instanceof RunFailedException) {
                line.getErr().println("apollo: run failed: " + exception.getMessage());
                return 1;
            }
            throw exception;
        });
        return commandLine.execute(args);
    }
}
