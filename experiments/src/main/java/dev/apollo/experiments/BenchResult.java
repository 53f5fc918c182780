package dev.apollo.experiments;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** A benchmark's figures, printed as the closing {@code RESULT} line and optionally written as JSON. */
public final class BenchResult {

    private final Map<String, Object> figures = new LinkedHashMap<>();

    public BenchResult put(String name, Object value) {
        figures.put(name, value instanceof Double d ? Math.round(d * 10_000) / 10_000.0 : value);
        return this;
    }

    public void emit(PrintStream out, Path json) throws IOException {
        out.println("RESULT " + figures.entrySet().stream()
                .map(e -> e.getKey() + "=" + String.format(Locale.ROOT, "%s", e.getValue()))
                .collect(Collectors.joining(" ")));
        if (json != null) {
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(figures),
                    StandardCharsets.UTF_8);
        }
    }
}
