package dev.apollo.cli.model;

import dev.apollo.run.UsageError;
import dev.apollo.worker.export.CheckpointModel;
import dev.apollo.worker.export.HfExport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo export}: a checkpoint as a Hugging Face folder (GPT2LMHeadModel or BertForMaskedLM). Inputs are
 * checked before anything is written, and the folder appears whole or not at all.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a checkpoint as a Hugging Face transformers folder (GPT2LMHeadModel or BertForMaskedLM).")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint, a checkpoints directory or a run directory (its newest checkpoint).")
    Path checkpoint;

    @Option(names = "--depth", paramLabel = "D",
            description = "Layers of the exported model (default: the model's L); a checkpoint with fewer real layers is spread over them by the run's layer map.")
    Integer depth;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to write; must not exist or be empty.")
    Path out;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws IOException {
        if (depth != null && depth < 1) {
            throw new UsageError("--depth " + depth + ": must be >= 1");
        }
        if (Files.isRegularFile(out) || (Files.isDirectory(out) && !isEmpty(out))) {
            throw new UsageError(out + " already exists and is not an empty directory: choose another --out");
        }
        CheckpointModel model = CheckpointModel.read(checkpoint);
        int layers = depth == null ? model.config().model().layers() : depth;
        HfExport.Written written = HfExport.write(model, layers, out);
        console.printf(Locale.ROOT, "apollo export: %s (step %d, %s, %d real layers)%n", model.location(), model.step(),
                model.config().model().objective().name().toLowerCase(Locale.ROOT), model.weights());
        console.printf(Locale.ROOT, "  %d layers running real layers %s (%s)%n", layers,
                Arrays.toString(model.layerMap(layers)),
                model.config().stages().sharing().name().toLowerCase(Locale.ROOT));
        console.printf(Locale.ROOT, "  -> %s: %s, %s (%d tensors, %.1f MB F32), %s, %s, %s, %s%n", out,
                written.architecture(), HfExport.MODEL_FILE, written.tensors(), written.modelBytes() / 1e6,
                HfExport.CONFIG_FILE, HfExport.TOKENIZER_FILE, HfExport.TOKENIZER_CONFIG_FILE, HfExport.PROVENANCE_FILE);
        return 0;
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        }
    }
}
