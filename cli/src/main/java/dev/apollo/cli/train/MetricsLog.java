package dev.apollo.cli.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.StepRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object a line, {@code "type":"train"} after every step, {@code "type":"skipped"}
 * instead after a step every worker skipped (its loss or gradient was not finite: no loss, and {@code inARow} counts
 * the skips in a row), and {@code "type":"val"} after every evaluation. {@code step} counts steps done; tokens and
 * FLOPs are cumulative; {@code wall} is seconds since this process started the run; {@code work} is the seconds the
 * slowest worker was busy with the step, so what the rest of a step's wall time took (messages, the coordinator,
 * recording) can be read off. Each line is flushed as written.
 */
public final class MetricsLog implements AutoCloseable {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private final BufferedWriter writer;

    public MetricsLog(Path file) throws IOException {
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    public static Map<String, Object> trainRow(StepRecord r, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", "train");
        row.put("step", r.stepsDone());
        row.put("stage", r.stage());
        row.put("weights", r.weights());
        row.put("depth", r.depth());
        row.put("loss", r.loss());
        row.put("gradNorm", r.gradNorm());
        row.put("lr", r.lr());
        row.put("tokens", r.tokens());
        row.put("flops", r.flops());
        row.put("wall", wall);
        row.put("work", r.workSeconds());
        return row;
    }

    public static Map<String, Object> skippedRow(StepRecord r, int inARow, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", "skipped");
        row.put("step", r.stepsDone());
        row.put("stage", r.stage());
        row.put("weights", r.weights());
        row.put("depth", r.depth());
        row.put("lr", r.lr());
        row.put("tokens", r.tokens());
        row.put("flops", r.flops());
        row.put("inARow", inARow);
        row.put("wall", wall);
        row.put("work", r.workSeconds());
        return row;
    }

    public static Map<String, Object> validationRow(RecordValidation v, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", "val");
        row.put("step", v.stepsDone());
        row.put("stage", v.stage());
        row.put("weights", v.weights());
        row.put("valLossFull", v.fullDepthLoss());
        row.put("valLossStage", v.stageDepthLoss());
        row.put("tokens", v.tokens());
        row.put("flops", v.flops());
        row.put("wall", wall);
        return row;
    }

    public void write(Map<String, Object> row) {
        try {
            writer.write(GSON.toJson(row));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The step a row was written after, for keeping a log's rows up to a checkpoint. */
    public static long stepOf(String line) {
        return GSON.fromJson(line, JsonObject.class).get("step").getAsLong();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
