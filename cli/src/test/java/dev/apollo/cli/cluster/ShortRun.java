package dev.apollo.cli.cluster;

import dev.apollo.cli.CliHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The cluster tests' short run: two stage changes (steps 5 and 10 of 20), four micro-batches of two sequences. */
final class ShortRun {

    /** A checkpoint every 10 steps: at 10 to resume from, and at 20. */
    static final List<String> SETTINGS = List.of("--set", "train.steps=20", "--set", "train.micro-batch-size=2",
            "--set", "train.checkpoint-every=10");

    private ShortRun() {}

    /** {@code apollo train} of the short run on {@code corpus} into {@code out}, {@code extra} last. */
    static List<String> train(Path corpus, Path out, String... extra) {
        List<String> args = new ArrayList<>(CliHarness.train(corpus, out));
        args.addAll(SETTINGS);
        args.addAll(List.of(extra));
        return args;
    }
}
