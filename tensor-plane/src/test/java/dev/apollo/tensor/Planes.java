package dev.apollo.tensor;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Test ranks: n planes in this JVM. Over IPC they share the first plane's embedded driver; over UDP each has its own
 * embedded driver on loopback, as processes on different hosts would. Closing asserts every driver directory is gone.
 */
final class Planes implements AutoCloseable {

    final List<TensorPlane> planes = new ArrayList<>();
    final List<Path> driverDirs = new ArrayList<>();
    final Ring[] rings;

    Planes(TensorPlane.Transport transport, int n, Path tempDir, int maxElements) {
        try {
            for (int rank = 0; rank < n; rank++) {
                boolean embedded = transport == TensorPlane.Transport.UDP || rank == 0;
                Path dir = embedded ? tempDir.resolve("aeron-" + rank) : driverDirs.get(0);
                if (embedded) {
                    driverDirs.add(dir);
                }
                planes.add(TensorPlane.start(transport == TensorPlane.Transport.IPC
                        ? TensorPlane.Settings.ipc(dir, embedded, 1000 + rank, maxElements)
                        : TensorPlane.Settings.udp(dir, embedded, "127.0.0.1", 1000, maxElements)));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        List<Endpoint> members = planes.stream().map(TensorPlane::localEndpoint).toList();
        rings = new Ring[n];
        for (int rank = 0; rank < n; rank++) {
            rings[rank] = new Ring(members, rank);
        }
    }

    int size() {
        return planes.size();
    }

    /** Runs one task per rank on its own thread and returns their results, rethrowing the first failure. */
    static <T> List<T> onThreads(List<Callable<T>> tasks) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(threads.submit(task));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        // The planes attached to rank 0's driver go first, so that none outlives its driver.
        for (int rank = planes.size() - 1; rank >= 0; rank--) {
            planes.get(rank).close();
        }
        for (Path dir : driverDirs) {
            assertFalse(Files.exists(dir), dir + " left behind");
        }
    }
}
