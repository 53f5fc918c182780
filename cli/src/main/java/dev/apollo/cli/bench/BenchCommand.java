package dev.apollo.cli.bench;

import dev.apollo.cli.bench.accel.BenchAccelCommand;
import picocli.CommandLine.Command;

/** {@code apollo bench}: benchmarks that print figures and end with one {@code RESULT name=value ...} line. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (figures, not tests).",
        subcommands = {BenchStepCommand.class, BenchAccelCommand.class, BenchSimulateCommand.class,
                BenchAllReduceCommand.class, BenchScalingCommand.class, BenchElasticCommand.class,
                BenchTokenizeCommand.class})
public final class BenchCommand {}
