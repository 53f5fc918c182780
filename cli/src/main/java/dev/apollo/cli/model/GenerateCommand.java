package dev.apollo.cli.model;

import dev.apollo.config.Objective;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.run.UsageError;
import dev.apollo.worker.data.ByteTokenizer;
import dev.apollo.worker.data.TextCodec;
import dev.apollo.worker.export.CheckpointModel;
import dev.apollo.worker.export.GptInference;
import dev.apollo.worker.export.SamplingSettings;
import dev.apollo.worker.export.TextGenerator;
import dev.apollo.worker.export.TokenStreamDecoder;
import dev.apollo.worker.export.Utf8StreamDecoder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo generate}: prints the prompt, then streams a GPT checkpoint's continuation as it is drawn, at full
 * depth through the run's layer map (so a mid-stage checkpoint works too).
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a GPT checkpoint, streaming the text; the same seed gives the same text.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint, a checkpoints directory or a run directory (its newest checkpoint).")
    Path checkpoint;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue (UTF-8; at least one byte).")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "200",
            description = "Tokens to generate, bytes with the byte vocabulary (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "X", defaultValue = "0.8",
            description = "Softmax temperature; 0 = greedy, always the most likely token (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "Draw among the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the draws (default: ${DEFAULT-VALUE}).")
    long seed;

    private final PrintStream console = System.out;

    @Override
    public Integer call() {
        if (prompt.isEmpty()) {
            throw new UsageError("--prompt is empty: give at least one character to continue");
        }
        SamplingSettings settings;
        try {
            settings = new SamplingSettings(maxNewTokens, temperature, topK, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        CheckpointModel model = CheckpointModel.read(checkpoint);
        if (model.config().model().objective() != Objective.GPT) {
            throw new UsageError("apollo generate needs a causal language model (gpt); " + model.location()
                    + " holds a bert (masked LM) model");
        }
        try (GptInference inference = GptInference.atFullDepth(model, EmbeddedRun.device(model.config()));
                TextCodec codec = model.vocabulary().open()) {
            console.print(prompt);
            console.flush();
            if (model.vocabulary().bytes()) {
                Utf8StreamDecoder text = new Utf8StreamDecoder();
                TextGenerator.generate(inference, ByteTokenizer.encode(prompt), settings, id -> {
                    console.print(text.accept((byte) id));
                    console.flush();
                });
                console.println(text.finish());
            } else {
                int[] ids = codec.encode(prompt);
                if (ids.length == 0) {
                    throw new UsageError("--prompt '" + prompt + "' encodes to no tokens with the run's tokenizer");
                }
                TokenStreamDecoder text = new TokenStreamDecoder(codec);
                TextGenerator.generate(inference, ids, settings, model.vocabulary().drawableTokens(), id -> {
                    console.print(text.accept(id));
                    console.flush();
                });
                console.println(text.finish());
            }
        }
        return 0;
    }
}
