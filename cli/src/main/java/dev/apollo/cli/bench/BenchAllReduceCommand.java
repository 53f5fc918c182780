package dev.apollo.cli.bench;

import dev.apollo.experiments.AllReduceBench.Result;
import dev.apollo.experiments.AllReduceBench.Row;
import dev.apollo.experiments.AllReduceBench;
import dev.apollo.experiments.BenchResult;
import dev.apollo.experiments.GlooBaseline;
import dev.apollo.run.UsageError;
import dev.apollo.tensor.TensorPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apollo bench allreduce}: the tensor plane's ring all-reduce of int64 vectors, ranks as threads of this
 * process over Aeron IPC and UDP loopback, as bus bandwidth against a memory copy of the same size. The JVM needs
 * {@code -XX:MaxDirectMemorySize} of at least (largest ring + 2) × {@code --max-mib} (see {@link AllReduceBench}).
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = "Ring all-reduce bus bandwidth over Aeron IPC and UDP loopback, against memcpy.")
final class BenchAllReduceCommand implements Callable<Integer> {

    @Option(names = "--ranks", paramLabel = "N,...", split = ",", defaultValue = "2,3", description = "Ring sizes to measure (default 2,3).")
    List<Integer> ranks;

    @Option(names = "--max-mib", paramLabel = "MIB", defaultValue = "256", description = "Largest vector a rank, of 1, 4, 16, 64, 256 MiB (default 256).")
    int maxMib;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5", description = "Timed sums per size after one warm-up; the median counts (default 5).")
    int repeats;

    @Option(names = "--quick", description = "Sizes up to 16 MiB only.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path json;

    @Option(names = "--no-gloo", description = "Skip PyTorch's gloo all-reduce, measured beside the ring where python3 "
            + "with torch is installed.")
    boolean noGloo;

    @Override
    public Integer call() throws Exception {
        if (maxMib < 1 || repeats < 1 || ranks.stream().anyMatch(n -> n < 2)) {
            throw new UsageError("bench allreduce: --max-mib and --repeats must be >= 1, every ring size >= 2");
        }
        Path shm = Path.of("/dev/shm");
        Path workDir = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        System.out.println("ring all-reduce of int64, ranks as threads on one embedded driver, Aeron dirs in " + workDir);
        System.out.println("transport  ranks       MiB   seconds  bus GB/s  memcpy GB/s  ratio");
        AllReduceBench.Options options = new AllReduceBench.Options(ranks, maxMib, repeats, quick, workDir);
        Result result = AllReduceBench.run(options, BenchAllReduceCommand::print);
        BenchResult figures = new BenchResult().put("ipc_min_ratio_16mib", result.ipcMinRatio16MiB())
                .put("udp_min_ratio_16mib", result.udpMinRatio16MiB())
                .put("sizes_slower_than_larger", slowerThanLarger(result.rows()));
        int pair = ranks.get(0);
        double ipc = busAt16MiB(result.rows(), TensorPlane.Transport.IPC, pair);
        double udp = busAt16MiB(result.rows(), TensorPlane.Transport.UDP, pair);
        figures.put("ipc_bus_gbps_16mib", ipc).put("udp_bus_gbps_16mib", udp);
        if (!noGloo) {
            GlooBaseline.Measured gloo = GlooBaseline.measure(ranks, options.sizes(), repeats);
            gloo.rows().forEach(row -> System.out.println(GlooBaseline.format(row)));
            if (gloo.missing() != null) {
                System.out.println("gloo: not measured: " + gloo.missing());
            }
            gloo.rows().stream().filter(row -> row.ranks() == pair && row.bytes() == 16L << 20).findFirst()
                    .ifPresent(row -> figures.put("gloo_bus_gbps_16mib", row.busGBps())
                            .put("ipc_vs_gloo_16mib", ipc / row.busGBps()).put("udp_vs_gloo_16mib", udp / row.busGBps()));
        }
        figures.emit(System.out, json);
        return 0;
    }

    /** A ring's bus bandwidth at 16 MiB, NaN where that size was not measured. */
    private static double busAt16MiB(List<Row> rows, TensorPlane.Transport transport, int ranks) {
        return rows.stream().filter(row -> row.transport() == transport && row.ranks() == ranks
                && row.bytes() == 16L << 20).mapToDouble(Row::busGBps).findFirst().orElse(Double.NaN);
    }

    /** How many sizes took longer to sum than the next larger one on the same ring: latency where there should be none. */
    static int slowerThanLarger(List<Row> rows) {
        int slower = 0;
        for (int i = 0; i + 1 < rows.size(); i++) {
            Row row = rows.get(i);
            Row larger = rows.get(i + 1);
            if (row.transport() == larger.transport() && row.ranks() == larger.ranks() && larger.bytes() > row.bytes()
                    && row.seconds() > larger.seconds()) {
                slower++;
            }
        }
        return slower;
    }

    private static void print(Row row) {
        System.out.printf(Locale.ROOT, "%-9s  %5d  %8d  %8.4f  %8.2f  %11.2f  %5.3f%n", row.transport(), row.ranks(),
                row.bytes() >> 20, row.seconds(), row.busGBps(), row.memcpyGBps(), row.ratio());
    }
}
