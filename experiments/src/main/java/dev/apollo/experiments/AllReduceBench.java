package dev.apollo.experiments;

import dev.apollo.tensor.Endpoint;
import dev.apollo.tensor.Ring;
import dev.apollo.tensor.TensorPlane;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.agrona.IoUtil;

/**
 * How fast the ring all-reduce moves int64 vectors between ranks on this host, against a plain memory copy of the
 * same size. Ranks are threads of this JVM, each with its own {@link TensorPlane}; over IPC and over UDP loopback the
 * ranks of a ring attach to one embedded driver (SHARED threading), so that a ring of n ranks runs n + 1 busy threads.
 *
 * <p>Bus bandwidth is NCCL's: {@code 2(n-1)/n × bytes / seconds}, the rate each rank's link carries, comparable
 * across ring sizes. Each figure is the median of the repetitions after one warm-up sum, which is also checked: every
 * rank must end with the same bits, and the expected sum.
 *
 * <p>Direct memory: the ranks' vectors and the two copy buffers are allocated once at the largest size, so the JVM
 * needs {@code -XX:MaxDirectMemorySize} of at least (max ranks + 2) × the largest size (1.25 GiB for 3 ranks at
 * 256 MiB). Aeron's log buffers are mapped files, outside that limit.
 */
public final class AllReduceBench {

    /** The sizes measured, in MiB, before the options' cap; {@code quick} stops at 16 MiB. */
    public static final int[] SIZES_MIB = {1, 4, 16, 64, 256};
    /** Ratios are taken from vectors this large and up; smaller ones measure latency more than bandwidth. */
    public static final long RATIO_FLOOR_BYTES = 16L << 20;

    private static final Duration SUM_TIMEOUT = Duration.ofSeconds(60);
    private static final long BARRIER_TIMEOUT_S = 120;

    /**
     * @param ranks the ring sizes measured (each at least 2)
     * @param maxMiB the largest vector, in MiB
     * @param repeats timed sums per size, after one warm-up
     * @param quick sizes up to 16 MiB only
     * @param workDir where the Aeron directories go ({@code /dev/shm} keeps log buffers in memory)
     */
    public record Options(List<Integer> ranks, int maxMiB, int repeats, boolean quick, Path workDir) {

        public Options {
            ranks = List.copyOf(ranks);
            if (ranks.isEmpty() || ranks.stream().anyMatch(n -> n < 2)) {
                throw new IllegalArgumentException("ranks must be at least 2, not " + ranks);
            }
            if (maxMiB < 1 || repeats < 1) {
                throw new IllegalArgumentException("maxMiB and repeats must be >= 1");
            }
        }

        /** The sizes measured, in bytes. */
        public long[] sizes() {
            int cap = quick ? Math.min(16, maxMiB) : maxMiB;
            return Arrays.stream(SIZES_MIB).filter(mib -> mib <= cap).mapToLong(mib -> (long) mib << 20).toArray();
        }
    }

    /** One measured figure: a ring of {@code ranks} summing {@code bytes} a rank over {@code transport}. */
    public record Row(TensorPlane.Transport transport, int ranks, long bytes, double seconds, double busGBps,
                      double memcpyGBps, double ratio) {}

    /**
     * All figures, and per transport the lowest bus/memcpy ratio at {@link #RATIO_FLOOR_BYTES} and up (NaN when no
     * size reached it).
     */
    public record Result(List<Row> rows, double ipcMinRatio16MiB, double udpMinRatio16MiB) {}

    private AllReduceBench() {}

    /** Runs every transport, ring size and vector size; {@code progress} sees each row as it is measured. */
    public static Result run(Options options, Consumer<Row> progress) throws Exception {
        long[] sizes = options.sizes();
        if (sizes.length == 0) {
            throw new IllegalArgumentException("no size up to " + options.maxMiB() + " MiB");
        }
        long maxBytes = sizes[sizes.length - 1];
        int maxRanks = options.ranks().stream().mapToInt(Integer::intValue).max().orElseThrow();
        ByteBuffer[] vectors = new ByteBuffer[maxRanks];
        for (int rank = 0; rank < maxRanks; rank++) {
            vectors[rank] = ByteBuffer.allocateDirect((int) maxBytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer copySource = ByteBuffer.allocateDirect((int) maxBytes);
        ByteBuffer copyTarget = ByteBuffer.allocateDirect((int) maxBytes);
        double[] memcpyGBps = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            memcpyGBps[i] = memcpyGBps(copySource, copyTarget, (int) sizes[i], options.repeats());
        }

        List<Row> rows = new ArrayList<>();
        for (TensorPlane.Transport transport : TensorPlane.Transport.values()) {
            for (int n : options.ranks()) {
                double[] seconds = ring(transport, n, sizes, options, vectors);
                for (int i = 0; i < sizes.length; i++) {
                    double busGBps = 2.0 * (n - 1) / n * sizes[i] / seconds[i] / 1e9;
                    Row row = new Row(transport, n, sizes[i], seconds[i], busGBps, memcpyGBps[i],
                            busGBps / memcpyGBps[i]);
                    rows.add(row);
                    progress.accept(row);
                }
            }
        }
        return new Result(List.copyOf(rows), minRatio(rows, TensorPlane.Transport.IPC),
                minRatio(rows, TensorPlane.Transport.UDP));
    }

    private static double minRatio(List<Row> rows, TensorPlane.Transport transport) {
        return rows.stream().filter(row -> row.transport() == transport && row.bytes() >= RATIO_FLOOR_BYTES)
                .mapToDouble(Row::ratio).min().orElse(Double.NaN);
    }

    /** Median seconds of a direct-to-direct copy of {@code bytes}, after one warm-up copy. */
    public static double memcpyGBps(ByteBuffer source, ByteBuffer target, int bytes, int repeats) {
        double[] seconds = new double[repeats];
        for (int i = -1; i < repeats; i++) {
            source.clear().limit(bytes);
            target.clear();
            long start = System.nanoTime();
            target.put(source);
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        return bytes / median(seconds) / 1e9;
    }

    /** Starts a ring of n planes on one embedded driver and times its sums at every size; median seconds per size. */
    private static double[] ring(TensorPlane.Transport transport, int n, long[] sizes, Options options,
                                 ByteBuffer[] vectors) throws Exception {
        Path driverDir = Files.createTempDirectory(options.workDir(), "apollo-bench-aeron-");
        int maxElements = (int) (sizes[sizes.length - 1] / Long.BYTES);
        List<TensorPlane> planes = new ArrayList<>();
        try {
            for (int rank = 0; rank < n; rank++) {
                planes.add(TensorPlane.start(transport == TensorPlane.Transport.IPC
                        ? TensorPlane.Settings.ipc(driverDir, rank == 0, 2000 + rank, maxElements)
                        : TensorPlane.Settings.udp(driverDir, rank == 0, "127.0.0.1", 2000, maxElements)));
            }
            List<Endpoint> members = planes.stream().map(TensorPlane::localEndpoint).toList();
            double[][] seconds = new double[sizes.length][options.repeats()];
            CyclicBarrier barrier = new CyclicBarrier(n);
            List<RankThread> threads = new ArrayList<>();
            for (int rank = 0; rank < n; rank++) {
                threads.add(new RankThread(planes.get(rank), new Ring(members, rank), vectors, sizes,
                        options.repeats(), barrier, seconds));
            }
            threads.forEach(Thread::start);
            for (RankThread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(BARRIER_TIMEOUT_S * (sizes.length + 1)));
            }
            for (RankThread thread : threads) {
                if (thread.isAlive()) {
                    thread.interrupt();
                    throw new TimeoutException("rank " + thread.ring.rank() + " of " + transport + " x" + n
                            + " did not finish");
                }
                if (thread.failure != null) {
                    throw thread.failure;
                }
            }
            return Arrays.stream(seconds).mapToDouble(AllReduceBench::median).toArray();
        } finally {
            for (int rank = planes.size() - 1; rank >= 0; rank--) {
                planes.get(rank).close();
            }
            IoUtil.delete(driverDir.toFile(), true);
        }
    }

    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** One rank: per size, fills its vector, sums once to warm up and check, then times the repetitions. */
    private static final class RankThread extends Thread {

        private final TensorPlane plane;
        private final Ring ring;
        private final ByteBuffer[] vectors;
        private final long[] sizes;
        private final int repeats;
        private final CyclicBarrier barrier;
        private final double[][] seconds;
        private Exception failure;

        RankThread(TensorPlane plane, Ring ring, ByteBuffer[] vectors, long[] sizes, int repeats,
                   CyclicBarrier barrier, double[][] seconds) {
            super("allreduce-bench-rank-" + ring.rank());
            this.plane = plane;
            this.ring = ring;
            this.vectors = vectors;
            this.sizes = sizes;
            this.repeats = repeats;
            this.barrier = barrier;
            this.seconds = seconds;
        }

        @Override
        public void run() {
            try {
                ByteBuffer vector = vectors[ring.rank()];
                long tag = 0;
                for (int size = 0; size < sizes.length; size++) {
                    int count = (int) (sizes[size] / Long.BYTES);
                    for (int i = 0; i < count; i++) {
                        vector.putLong(i * Long.BYTES, i + ring.rank());
                    }
                    await();
                    plane.sum(ring, ++tag, vector, count, SUM_TIMEOUT);
                    await();
                    if (ring.rank() == 0) {
                        check(count);
                    }
                    for (int repeat = 0; repeat < repeats; repeat++) {
                        await();
                        long start = System.nanoTime();
                        plane.sum(ring, ++tag, vector, count, SUM_TIMEOUT);
                        await();
                        if (ring.rank() == 0) {
                            seconds[size][repeat] = (System.nanoTime() - start) / 1e9;
                        }
                    }
                }
            } catch (Exception e) {
                failure = e;
                barrier.reset();
            }
        }

        /** Every rank holds the same bits, and element i is n·i + n(n-1)/2. */
        private void check(int count) {
            int n = ring.size();
            ByteBuffer mine = vectors[0].duplicate().limit(count * Long.BYTES);
            for (int rank = 1; rank < n; rank++) {
                if (mine.mismatch(vectors[rank].duplicate().limit(count * Long.BYTES)) >= 0) {
                    throw new IllegalStateException("rank " + rank + " ended with other bits than rank 0");
                }
            }
            long last = count - 1;
            if (vectors[0].getLong(0) != (long) n * (n - 1) / 2
                    || vectors[0].getLong((count - 1) * Long.BYTES) != n * last + (long) n * (n - 1) / 2) {
                throw new IllegalStateException("the sum of " + count + " elements over " + n + " ranks is wrong");
            }
        }

        private void await() throws InterruptedException, BrokenBarrierException, TimeoutException {
            barrier.await(BARRIER_TIMEOUT_S, TimeUnit.SECONDS);
        }
    }
}
