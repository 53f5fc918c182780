package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The two specs users write: which faults, and which cluster. */
class ParsingTest {

    @Test
    void faultSpecs() {
        assertEquals(EnumSet.allOf(FaultKind.class), FaultKind.parse("all"));
        assertEquals(EnumSet.noneOf(FaultKind.class), FaultKind.parse("none"));
        assertEquals(EnumSet.of(FaultKind.CRASH, FaultKind.PARTITION), FaultKind.parse("partition, crash"));
        assertEquals("crash,partition", FaultKind.describe(FaultKind.parse("partition,crash")));
        assertEquals("all", FaultKind.describe(FaultKind.parse("all")));
        for (String bad : new String[] {"", "crash,", "crahs", "all,crash"}) {
            String message = assertThrows(IllegalArgumentException.class, () -> FaultKind.parse(bad)).getMessage();
            assertTrue(message.startsWith("bad --faults '" + bad + "'"), message);
        }
    }

    @Test
    void clusterSpecs() {
        ClusterSpec a100 = ClusterSpec.parse("1024xa100");
        assertEquals(1024, a100.workers());
        assertEquals(312e12, a100.peakFlops());
        assertEquals(25e9, a100.linkBytesPerSecond());

        ClusterSpec tuned = ClusterSpec.parse("64xH100,link-gbps=800,latency-us=2,mfu=0.5,memory-gb=94,tflops=900");
        assertEquals(new ClusterSpec(64, "h100", 900e12, 94e9, 100e9, 2e-6, 0.5), tuned);

        for (String bad : new String[] {"a100", "0xa100", "8xtpu", "8xa100,mfu=2", "8xa100,link-gbps=-1",
                "8xa100,speed=3", "8xa100,mfu", "8xa100,mfu=fast", "x", ""}) {
            String message = assertThrows(IllegalArgumentException.class, () -> ClusterSpec.parse(bad)).getMessage();
            assertTrue(message.startsWith("bad cluster spec '" + bad + "'"), message);
        }
    }
}
