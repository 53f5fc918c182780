package dev.apollo.run;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.StepRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object a line, {@code "type":"train"} after every step, {@code "type":"skipped"}
 * instead after a step every worker skipped (its loss or gradient was not finite: no loss, and {@code inARow} counts
 * the skips in a row), and {@code "type":"val"} after every evaluation. {@code step} counts steps done; tokens and FLOPs are cumulative; {@code wall} is seconds
 * since this process started the run and {@code time} seconds since the epoch; {@code work} is the seconds the
 * slowest worker was busy with the step, so what the rest of a step's wall time took (messages, the coordinator,
 * recording) can be read off. Event rows say what disturbed the run: {@code "type":"worker"} (a worker offered a
 * place, joined, admitted, released or lost), {@code "rerun"} (a step run again, and the seconds its lost attempt
 * cost) and {@code "restart"} (the run resumed from a checkpoint, and what that cost). Each line is flushed as
 * written.
 */
public final class MetricsLog implements AutoCloseable {

    public static final String TRAIN = "train";
    public static final String VAL = "val";
    public static final String WORKER = "worker";
    public static final String RERUN = "rerun";
    public static final String RESTART = "restart";
    public static final String SKIPPED = "skipped";

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private final BufferedWriter writer;

    public MetricsLog(Path file) throws IOException {
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    public static Map<String, Object> trainRow(StepRecord r, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", TRAIN);
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
        row.put("time", now());
        return row;
    }

    public static Map<String, Object> skippedRow(StepRecord r, int inARow, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", SKIPPED);
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
        row.put("time", now());
        return row;
    }

    public static Map<String, Object> validationRow(RecordValidation v, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", VAL);
        row.put("step", v.stepsDone());
        row.put("stage", v.stage());
        row.put("weights", v.weights());
        row.put("valLossFull", v.fullDepthLoss());
        row.put("valLossStage", v.stageDepthLoss());
        row.put("tokens", v.tokens());
        row.put("flops", v.flops());
        row.put("wall", wall);
        row.put("time", now());
        return row;
    }

    /** A worker {@code event} (offered, joined, admitted, released, lost) when {@code step} steps were done. */
    public static Map<String, Object> workerRow(String event, String workerId, long step, double wall) {
        Map<String, Object> row = event(WORKER, step, wall);
        row.put("event", event);
        row.put("worker", workerId);
        return row;
    }

    /** Step {@code step} is run again as {@code attempt}; its lost attempt cost {@code lostSeconds}. */
    public static Map<String, Object> rerunRow(long step, int attempt, double lostSeconds, double wall) {
        Map<String, Object> row = event(RERUN, step, wall);
        row.put("attempt", attempt);
        row.put("lostSeconds", lostSeconds);
        return row;
    }

    /**
     * The run resumed at {@code step}: the steps done after that checkpoint and their seconds are redone, the run was
     * down between its last row and this process's start, and took {@code startSeconds} to its first step here.
     */
    public static Map<String, Object> restartRow(long step, long redoSteps, double redoSeconds, double downSeconds,
            double startSeconds, double wall) {
        Map<String, Object> row = event(RESTART, step, wall);
        row.put("redoSteps", redoSteps);
        row.put("redoSeconds", redoSeconds);
        row.put("downSeconds", downSeconds);
        row.put("startSeconds", startSeconds);
        row.put("lostSeconds", redoSeconds + downSeconds + startSeconds);
        return row;
    }

    private static Map<String, Object> event(String type, long step, double wall) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("type", type);
        row.put("step", step);
        row.put("wall", wall);
        row.put("time", now());
        return row;
    }

    /** Seconds since the epoch to the millisecond, written out in full (a double would be 1.79E9). */
    private static BigDecimal now() {
        return BigDecimal.valueOf(System.currentTimeMillis(), 3);
    }

    public static JsonObject parse(String line) {
        return GSON.fromJson(line, JsonObject.class);
    }

    public static String json(Map<String, Object> row) {
        return GSON.toJson(row);
    }

    public void write(Map<String, Object> row) {
        try {
            writer.write(json(row));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The step a row was written after, for keeping a log's rows up to a checkpoint. */
    public static long stepOf(String line) {
        return parse(line).get("step").getAsLong();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
