package dev.apollo.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apollo.experiments.AllReduceBench.Row;
import dev.apollo.tensor.TensorPlane.Transport;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchAllReduceCommandTest {

    private static Row row(Transport transport, int ranks, int mib, double seconds) {
        return new Row(transport, ranks, (long) mib << 20, seconds, 1, 1, 1);
    }

    @Test
    void aSizeSlowerThanTheNextLargerOnTheSameRingIsCountedAndNothingAcrossRings() {
        List<Row> rows = List.of(row(Transport.IPC, 2, 1, 0.003), row(Transport.IPC, 2, 4, 0.007),
                row(Transport.IPC, 2, 16, 0.006), // 4 MiB took longer than 16
                row(Transport.IPC, 3, 1, 0.010), // a new ring: not compared with the 16 MiB above
                row(Transport.IPC, 3, 4, 0.011), row(Transport.UDP, 2, 1, 0.020), row(Transport.UDP, 2, 4, 0.019));

        assertEquals(2, BenchAllReduceCommand.slowerThanLarger(rows));
    }
}
