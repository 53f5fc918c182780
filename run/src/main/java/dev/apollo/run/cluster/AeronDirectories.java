package dev.apollo.run.cluster;

import dev.apollo.tensor.TensorPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.LongPredicate;
import java.util.stream.Stream;

/**
 * Where a process's embedded media driver keeps its files: its own directory in shared memory (/dev/shm where the
 * machine has it, the temporary directory otherwise), named by the process id. The driver removes it on close, and
 * on exit a shutdown hook closes the plane; a process killed outright leaves its directory behind, which the next
 * process to start removes once no process has that id (or the process that killed it, {@link #removeLeftBy}).
 */
public final class AeronDirectories {

    private static final String PREFIX = "apollo-";

    private AeronDirectories() {}

    static Path forThisProcess(String role) {
        Path base = base();
        remove(base, owner -> true); // every orphan
        try {
            return Files.createTempDirectory(base, PREFIX + role + "-" + ProcessHandle.current().pid() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Aeron directory under " + base, e);
        }
    }

    /** Closes {@code plane} when the JVM exits (a signal, or System.exit) before its owner does. */
    static TensorPlane closedOnExit(TensorPlane plane) {
        Runtime.getRuntime().addShutdownHook(new Thread(plane::close, "apollo-aeron-cleanup"));
        return plane;
    }

    /** Removes the directories process {@code pid} left behind when it was killed outright, once it is gone. */
    public static void removeLeftBy(long pid) {
        remove(base(), owner -> owner == pid);
    }

    private static Path base() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Removes the directories of the processes {@code owners} accepts that no longer run. */
    private static void remove(Path base, LongPredicate owners) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path dir : dirs) {
                String[] parts = dir.getFileName().toString().split("-");
                if (parts.length >= 4 && parts[2].chars().allMatch(Character::isDigit)) {
                    long owner = Long.parseLong(parts[2]);
                    if (owners.test(owner) && ProcessHandle.of(owner).isEmpty()) {
                        delete(dir);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // a directory we cannot list or remove is not ours to worry about
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
