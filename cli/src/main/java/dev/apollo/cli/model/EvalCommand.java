package dev.apollo.cli.model;

import com.google.gson.GsonBuilder;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.run.UsageError;
import dev.apollo.worker.data.ByteTokenizer;
import dev.apollo.worker.data.DataError;
import dev.apollo.worker.data.TextCodec;
import dev.apollo.worker.export.CausalLmEvaluation;
import dev.apollo.worker.export.CheckpointModel;
import dev.apollo.worker.export.GptInference;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo eval}: a GPT checkpoint's mean cross-entropy on a file, at full depth through the run's layer map,
 * by the fixed protocol of {@link CausalLmEvaluation}, the file encoded by the tokenizer the checkpoint carries.
 * BERT is refused: its masked-LM loss depends on which positions are masked, and the run's own validation
 * (valLossFull in metrics.jsonl) already measures it.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Mean cross-entropy (nats per token), perplexity and bits per byte of a GPT checkpoint on a"
                + " file.")
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint, a checkpoints directory or a run directory (its newest checkpoint).")
    Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "One text file, encoded by the run's tokenizer: window i has inputs [i*T, i*T+T) and targets"
                    + " [i*T+1, i*T+T+1) of its tokens.")
    Path data;

    @Option(names = "--windows", paramLabel = "W", description = "Evaluate the first W windows (default: all that fit).")
    Integer windows;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    private final PrintStream console = System.out;

    @Override
    public Integer call() {
        if (windows != null && windows < 1) {
            throw new UsageError("--windows " + windows + ": must be >= 1");
        }
        CheckpointModel model = CheckpointModel.read(checkpoint);
        ModelConfig shape = model.config().model();
        if (shape.objective() != Objective.GPT) {
            throw new UsageError("apollo eval measures causal language models (gpt); " + model.location()
                    + " holds a bert (masked LM) model, whose validation loss is valLossFull in its run's metrics.jsonl");
        }
        byte[] bytes = read(data);
        int[] tokens;
        try (TextCodec codec = model.vocabulary().open()) {
            tokens = model.vocabulary().bytes() ? ByteTokenizer.encode(bytes)
                    : codec.encode(new String(bytes, StandardCharsets.UTF_8));
        }
        int fit = CausalLmEvaluation.windowsIn(tokens.length, shape.seqLen());
        if (fit == 0) {
            throw new DataError("evaluation data " + data + " has " + tokens.length + " tokens (" + bytes.length
                    + " bytes); one window of " + shape.seqLen() + " tokens needs " + (shape.seqLen() + 1));
        }
        if (windows != null && windows > fit) {
            throw new UsageError("--windows " + windows + ": " + data + " holds only " + fit + " windows of "
                    + shape.seqLen() + " tokens");
        }
        int evaluated = windows == null ? fit : windows;
        CausalLmEvaluation.Result result;
        try (GptInference inference = GptInference.atFullDepth(model, EmbeddedRun.device(model.config()))) {
            result = CausalLmEvaluation.evaluate(inference, tokens, bytes.length, evaluated,
                    model.config().train().batchSize());
        }
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("checkpoint", model.location().toString());
            object.put("step", model.step());
            object.put("data", data.toString());
            object.put("seqLen", shape.seqLen());
            object.put("depth", shape.layers());
            object.put("weights", model.weights());
            object.put("windows", result.windows());
            object.put("tokenizer", model.config().data().tokenizer());
            object.put("tokens", result.tokens());
            object.put("tokensPerByte", result.tokensPerByte());
            object.put("loss", result.loss());
            object.put("perplexity", result.perplexity());
            object.put("bitsPerByte", result.bitsPerByte());
            console.println(new GsonBuilder().disableHtmlEscaping().create().toJson(object));
        } else {
            console.printf(Locale.ROOT, "apollo eval: %s (step %d, depth %d through %d real layers) on %s%n",
                    model.location(), model.step(), shape.layers(), model.weights(), data);
            console.printf(Locale.ROOT,
                    "%d windows of %d tokens, %d predicted tokens, %.4f tokens a byte (tokenizer %s)%n",
                    result.windows(), shape.seqLen(), result.tokens(), result.tokensPerByte(),
                    model.config().data().tokenizer());
            console.printf(Locale.ROOT, "loss %.4f nats/token, perplexity %.3f, %.4f bits/byte%n", result.loss(),
                    result.perplexity(), result.bitsPerByte());
        }
        return 0;
    }

    private static byte[] read(Path file) {
        if (!Files.exists(file)) {
            throw new DataError("evaluation data does not exist: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new DataError("evaluation data must be one file: " + file + " is not a regular file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataError("cannot read evaluation data " + file + " (" + e.getMessage() + ")", e);
        }
    }
}
