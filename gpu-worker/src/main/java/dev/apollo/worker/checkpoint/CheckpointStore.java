package dev.apollo.worker.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.worker.io.DirectoryTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints as directories {@code step-<8 digits>/} holding {@code model.safetensors} (parameters, readable by
 * any safetensors tool), {@code optimizer.safetensors} (Adam moments), {@code manifest.json} and
 * {@code SHA256SUMS} (sha256sum's format, over the others), and with a tokenizer file the run's
 * {@code tokenizer.json}, so the checkpoint is evaluated, exported and continued with the tokenizer it was
 * trained with. A checkpoint is written under a temporary name,
 * forced to disk and renamed into place, so a reader sees a whole checkpoint or none. An existing checkpoint of
 * the same step (a run resumed into its own directory) is kept, renamed aside, never overwritten.
 */
public final class CheckpointStore {

    private static final String MODEL_FILE = "model.safetensors";
    private static final String OPTIMIZER_FILE = "optimizer.safetensors";
    private static final String MANIFEST_FILE = "manifest.json";
    private static final String SUMS_FILE = "SHA256SUMS";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private final Path directory;
    private final String renderedConfig;
    private final Optional<String> tokenizerJson;

    /** A store for a run with the byte vocabulary. */
    public CheckpointStore(Path directory, String renderedConfig) {
        this(directory, renderedConfig, Optional.empty());
    }

    /** @param tokenizerJson the run's tokenizer.json, copied into every checkpoint; empty with bytes */
    public CheckpointStore(Path directory, String renderedConfig, Optional<String> tokenizerJson) {
        this.directory = directory;
        this.renderedConfig = renderedConfig;
        this.tokenizerJson = tokenizerJson;
    }

    /** Where the checkpoint of {@code snapshot} is written. */
    public Path location(RunSnapshot snapshot) {
        return directory.resolve(String.format("step-%08d", snapshot.nextStep()));
    }

    /** Writes a checkpoint of {@code state} at {@code snapshot} and returns its directory. */
    public Path write(RunSnapshot snapshot, TensorState state) throws IOException {
        Files.createDirectories(directory);
        String name = location(snapshot).getFileName().toString();
        Path temporary = directory.resolve(name + ".tmp");
        DirectoryTree.delete(temporary); // left by a crash mid-write: never a whole checkpoint
        Files.createDirectory(temporary);
        List<NamedTensor> parameters = new ArrayList<>();
        List<NamedTensor> moments = new ArrayList<>();
        for (NamedTensor tensor : state.tensors()) {
            (TensorState.isMoment(tensor.name()) ? moments : parameters).add(tensor);
        }
        Safetensors.write(temporary.resolve(MODEL_FILE), parameters);
        Safetensors.write(temporary.resolve(OPTIMIZER_FILE), moments);
        CheckpointManifest manifest = new CheckpointManifest(CheckpointManifest.FORMAT, snapshot.nextStep(),
                snapshot.stage(), snapshot.weights(), snapshot.seed(), snapshot.tokens(), snapshot.flops(), state.optimizerUpdates(),
                renderedConfig);
        writeForced(temporary.resolve(MANIFEST_FILE), GSON.toJson(manifest));
        List<String> files = new ArrayList<>(List.of(MODEL_FILE, OPTIMIZER_FILE, MANIFEST_FILE));
        if (tokenizerJson.isPresent()) {
            writeForced(temporary.resolve(TOKENIZER_FILE), tokenizerJson.get());
            files.add(TOKENIZER_FILE);
        }
        StringBuilder sums = new StringBuilder();
        for (String file : files) {
            sums.append(sha256(temporary.resolve(file))).append("  ").append(file).append('\n');
        }
        writeForced(temporary.resolve(SUMS_FILE), sums.toString());
        forceDirectory(temporary);
        Path target = directory.resolve(name);
        if (Files.exists(target)) {
            int generation = 1;
            while (Files.exists(directory.resolve(name + ".superseded-" + generation))) {
                generation++;
            }
            Files.move(target, directory.resolve(name + ".superseded-" + generation), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(directory);
        return target;
    }

    /**
     * Reads and verifies the checkpoint at {@code path}: a checkpoint directory, a checkpoints directory or a run
     * directory (then its newest checkpoint).
     */
    public static Checkpoint read(Path path) {
        Path location = locate(path);
        verifySums(location);
        CheckpointManifest manifest;
        try {
            manifest = GSON.fromJson(Files.readString(location.resolve(MANIFEST_FILE)), CheckpointManifest.class);
        } catch (IOException | JsonParseException e) {
            throw new CheckpointError("checkpoint " + location + ": unreadable manifest.json");
        }
        if (manifest == null || !CheckpointManifest.FORMAT.equals(manifest.format()) || manifest.config() == null) {
            throw new CheckpointError("checkpoint " + location + ": manifest.json is not an " + CheckpointManifest.FORMAT
                    + " manifest");
        }
        try {
            List<NamedTensor> tensors = new ArrayList<>(Safetensors.read(location.resolve(MODEL_FILE)));
            tensors.addAll(Safetensors.read(location.resolve(OPTIMIZER_FILE)));
            return new Checkpoint(location, manifest, new TensorState(tensors, manifest.optimizerUpdates()));
        } catch (IOException | RuntimeException e) {
            throw new CheckpointError("checkpoint " + location + ": unreadable tensors (" + e.getMessage() + ")");
        }
    }

    private static Path locate(Path path) {
        if (!Files.isDirectory(path)) {
            throw new CheckpointError("no checkpoint at " + path + ": not a directory");
        }
        if (Files.exists(path.resolve(MANIFEST_FILE)) || Files.exists(path.resolve(SUMS_FILE))) {
            return path;
        }
        Path checkpoints = Files.isDirectory(path.resolve("checkpoints")) ? path.resolve("checkpoints") : path;
        try (Stream<Path> entries = Files.list(checkpoints)) {
            return entries.filter(p -> p.getFileName().toString().matches("step-\\d{8}") && Files.isDirectory(p))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new CheckpointError("no checkpoint at " + path));
        } catch (IOException e) {
            throw new CheckpointError("no checkpoint at " + path + ": " + e.getMessage());
        }
    }

    private static void verifySums(Path location) {
        Map<String, String> expected = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(location.resolve(SUMS_FILE))) {
                String[] parts = line.split(" {2}", 2);
                if (parts.length == 2) {
                    expected.put(parts[1], parts[0]);
                }
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointError("checkpoint " + location + " is incomplete: " + SUMS_FILE + " is missing");
        } catch (IOException e) {
            throw new CheckpointError("checkpoint " + location + ": cannot read " + SUMS_FILE);
        }
        List<String> files = new ArrayList<>(List.of(MODEL_FILE, OPTIMIZER_FILE, MANIFEST_FILE));
        if (expected.containsKey(TOKENIZER_FILE) || Files.exists(location.resolve(TOKENIZER_FILE))) {
            files.add(TOKENIZER_FILE);
        }
        for (String file : files) {
            String sum = expected.get(file);
            if (sum == null) {
                throw new CheckpointError("checkpoint " + location + ": " + SUMS_FILE + " does not list " + file);
            }
            try {
                if (!sum.equals(sha256(location.resolve(file)))) {
                    throw new CheckpointError("checkpoint " + location + ": " + file
                            + " fails its checksum (truncated or altered)");
                }
            } catch (NoSuchFileException e) {
                throw new CheckpointError("checkpoint " + location + " is incomplete: " + file + " is missing");
            } catch (IOException e) {
                throw new CheckpointError("checkpoint " + location + ": cannot read " + file);
            }
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // the digest stream hashes as it reads
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void writeForced(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
