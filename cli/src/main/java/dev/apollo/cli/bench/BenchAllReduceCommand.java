package dev.apollo.cli.bench;

import dev.apollo.cli.UsageError;
import dev.apollo.tensor.AllReduceBench;
import dev.apollo.tensor.AllReduceBench.Result;
import dev.apollo.tensor.AllReduceBench.Row;
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

    @Override
    public Integer call() throws Exception {
        if (maxMib < 1 || repeats < 1 || ranks.stream().anyMatch(n -> n < 2)) {
            throw new UsageError("bench allreduce: --max-mib and --repeats must be >= 1, every ring size >= 2");
        }
        Path shm = Path.of("/dev/shm");
        Path workDir = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        System.out.println("ring all-reduce of int64, ranks as threads on one embedded driver, Aeron dirs in " + workDir);
        System.out.println("transport  ranks       MiB   seconds  bus GB/s  memcpy GB/s  ratio");
        Result result = AllReduceBench.run(new AllReduceBench.Options(ranks, maxMib, repeats, quick, workDir),
                BenchAllReduceCommand::print);
        new BenchResult().put("ipc_min_ratio_16mib", result.ipcMinRatio16MiB())
                .put("udp_min_ratio_16mib", result.udpMinRatio16MiB())
                .emit(System.out, json);
        return 0;
    }

    private static void print(Row row) {
        System.out.printf(Locale.ROOT, "%-9s  %5d  %8d  %8.4f  %8.2f  %11.2f  %5.3f%n", row.transport(), row.ranks(),
                row.bytes() >> 20, row.seconds(), row.busGBps(), row.memcpyGBps(), row.ratio());
    }
}
