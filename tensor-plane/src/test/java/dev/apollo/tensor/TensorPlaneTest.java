package dev.apollo.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TensorPlaneTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path tempDir;

    @ParameterizedTest(name = "{0}, {1} ranks")
    @CsvSource({"IPC, 2", "IPC, 3", "IPC, 4", "UDP, 2", "UDP, 3", "UDP, 4"})
    @Timeout(120)
    void ringSumsAreExactAndIdenticalOnEveryRank(TensorPlane.Transport transport, int n) throws Exception {
        int[] counts = {1, 7, 0, 1_000_003, 3};
        try (Planes planes = new Planes(transport, n, tempDir, 1_000_003)) {
            long tag = 1;
            for (int count : counts) {
                assertExactSum(planes, tag++, count, 17L * count + n);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"IPC", "UDP"})
    @Timeout(120)
    void chunksAVectorBeyondAeronsMessageLimit(TensorPlane.Transport transport) throws Exception {
        int count = 3 * 1024 * 1024; // 24 MiB a rank, far over the 2 MiB a message may carry
        try (Planes planes = new Planes(transport, 2, tempDir, count)) {
            assertExactSum(planes, 5, count, 42);
        }
    }

    @Test
    @Timeout(60)
    void aRankAlreadyOnTheNextExchangeLosesNothing() throws Exception {
        int count = 1_000_003;
        try (Planes planes = new Planes(TensorPlane.Transport.IPC, 3, tempDir, count)) {
            long[][] inputs = randomInputs(3, count, 7);
            long[][] again = randomInputs(3, count, 8);
            List<Callable<long[][]>> tasks = new ArrayList<>();
            for (int rank = 0; rank < 3; rank++) {
                int r = rank;
                tasks.add(() -> {
                    TensorPlane plane = planes.planes.get(r);
                    ByteBuffer first = direct(inputs[r]);
                    plane.sum(planes.rings[r], 10, first, count, TIMEOUT);
                    if (r == 2) {
                        Thread.sleep(300); // ranks 0 and 1 are on tag 11 meanwhile, their chunks wait in its log
                    }
                    ByteBuffer second = direct(again[r]);
                    plane.sum(planes.rings[r], 11, second, count, TIMEOUT);
                    return new long[][] {longs(first, count), longs(second, count)};
                });
            }
            List<long[][]> results = Planes.onThreads(tasks);
            long[] firstSum = sequentialSum(inputs, count);
            long[] secondSum = sequentialSum(again, count);
            for (long[][] result : results) {
                assertArrayEquals(firstSum, result[0]);
                assertArrayEquals(secondSum, result[1]);
            }
        }
    }

    @Test
    @Timeout(60)
    void aRankOnAnotherRingsExchangeLeavesChunksOfALaterTagInTheLog() throws Exception {
        int count = 100_000;
        try (Planes planes = new Planes(TensorPlane.Transport.IPC, 3, tempDir, count)) {
            Endpoint a = planes.planes.get(0).localEndpoint();
            Endpoint b = planes.planes.get(1).localEndpoint();
            Endpoint c = planes.planes.get(2).localEndpoint();
            long[][] bc = randomInputs(2, count, 3);
            long[][] ab = randomInputs(2, count, 4);
            List<Callable<long[]>> tasks = List.of(
                    () -> { // a sums with b under tag 21 while b is still on tag 20 with c
                        ByteBuffer values = direct(ab[0]);
                        planes.planes.get(0).sum(new Ring(List.of(a, b), 0), 21, values, count, TIMEOUT);
                        return longs(values, count);
                    },
                    () -> {
                        TensorPlane plane = planes.planes.get(1);
                        ByteBuffer first = direct(bc[0]);
                        plane.sum(new Ring(List.of(b, c), 0), 20, first, count, TIMEOUT);
                        assertTrue(plane.deferredFragments() > 0, "a's tag 21 chunks were seen and left in the log");
                        ByteBuffer second = direct(ab[1]);
                        plane.sum(new Ring(List.of(a, b), 1), 21, second, count, TIMEOUT);
                        return longs(second, count);
                    },
                    () -> {
                        Thread.sleep(300);
                        ByteBuffer values = direct(bc[1]);
                        planes.planes.get(2).sum(new Ring(List.of(b, c), 1), 20, values, count, TIMEOUT);
                        return longs(values, count);
                    });
            List<long[]> results = Planes.onThreads(tasks);
            assertArrayEquals(sequentialSum(ab, count), results.get(0));
            assertArrayEquals(sequentialSum(ab, count), results.get(1));
            assertArrayEquals(sequentialSum(bc, count), results.get(2));
        }
    }

    @Test
    @Timeout(30)
    void anExchangeWaitingOnAGonePeerIsAbandonedFromAnotherThreadLongBeforeItsTimeout() throws Exception {
        try (Planes planes = new Planes(TensorPlane.Transport.IPC, 2, tempDir, 1000)) {
            TensorPlane lonely = planes.planes.get(0);
            Ring ring = new Ring(List.of(lonely.localEndpoint(), new Endpoint("aeron:ipc", 999)), 0);
            Thread giveUp = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                lonely.abandon(77);
            });
            giveUp.start();
            long start = System.nanoTime();
            assertThrows(ExchangeAbandonedException.class,
                    () -> lonely.sum(ring, 77, direct(new long[1000]), 1000, Duration.ofSeconds(20)));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 5000, "abandoned promptly");
            giveUp.join();
            assertThrows(ExchangeAbandonedException.class, // later exchanges of that tag or lower: at once
                    () -> lonely.sum(ring, 76, direct(new long[1000]), 1000, Duration.ofSeconds(20)));
        }
    }

    @ParameterizedTest
    @CsvSource({"IPC", "UDP"})
    @Timeout(30)
    void aMissingPeerTimesOutNamingItAndTheTag(TensorPlane.Transport transport) throws Exception {
        try (Planes planes = new Planes(transport, 2, tempDir, 1000)) {
            TensorPlane lonely = planes.planes.get(0);
            Endpoint absent = transport == TensorPlane.Transport.IPC ? new Endpoint("aeron:ipc", 999)
                    : new Endpoint("aeron:udp?endpoint=127.0.0.1:9", 1000);
            Ring ring = new Ring(List.of(lonely.localEndpoint(), absent), 0);
            long start = System.nanoTime();
            PeerTimeoutException thrown = assertThrows(PeerTimeoutException.class,
                    () -> lonely.sum(ring, 77, direct(new long[1000]), 1000, Duration.ofMillis(500)));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMs >= 500 && elapsedMs < 3000, "timed out after " + elapsedMs + " ms");
            assertTrue(thrown.getMessage().contains(absent.toString()), thrown.getMessage());
            assertTrue(thrown.getMessage().contains("77"), thrown.getMessage());
        }
    }

    @Test
    @Timeout(30)
    void aChunkOutsideTheExpectedPartIsRefusedNotWritten() throws Exception {
        int count = 1000;
        try (Planes planes = new Planes(TensorPlane.Transport.IPC, 2, tempDir, count);
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(planes.driverDirs.get(0).toString()));
             ExclusivePublication asRank0 = aeron.addExclusivePublication("aeron:ipc", 1001)) {
            // Rank 1 takes part [0, 500) from rank 0 in step 0; this chunk claims to sit far past the vector's end.
            UnsafeBuffer message = new UnsafeBuffer(new byte[FrameHeader.LENGTH + 8 * Long.BYTES]);
            message.putInt(FrameHeader.TYPE_OFFSET, FrameHeader.RING_MESSAGE, ByteOrder.LITTLE_ENDIAN);
            message.putInt(FrameHeader.SENDER_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
            message.putLong(FrameHeader.TAG_OFFSET, 5, ByteOrder.LITTLE_ENDIAN);
            message.putInt(FrameHeader.STEP_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
            message.putInt(FrameHeader.POSITION_OFFSET, 1_000_000, ByteOrder.LITTLE_ENDIAN);
            message.putInt(FrameHeader.TOTAL_OFFSET, 500, ByteOrder.LITTLE_ENDIAN);
            long deadlineNs = System.nanoTime() + 10_000_000_000L;
            while (asRank0.offer(message) < 0) {
                assertTrue(System.nanoTime() < deadlineNs, "rank 1's subscription never took the publication");
                Thread.sleep(1);
            }
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> planes.planes.get(1).sum(planes.rings[1], 5, direct(new long[count]), count, TIMEOUT));
            assertTrue(thrown.getMessage().contains("outside"), thrown.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"IPC", "UDP"})
    @Timeout(60)
    void bulkTransferArrivesByteIdentical(TensorPlane.Transport transport) throws Exception {
        byte[] payload = new byte[5 * 1024 * 1024 + 13];
        new SplittableRandom(5).nextBytes(payload);
        try (Planes planes = new Planes(transport, 2, tempDir, 0)) {
            TensorPlane sender = planes.planes.get(0);
            TensorPlane receiver = planes.planes.get(1);
            List<Callable<ByteBuffer>> tasks = List.of(
                    () -> {
                        ByteBuffer bytes = ByteBuffer.allocateDirect(payload.length + 3).position(3);
                        bytes.put(payload).position(3);
                        sender.send(receiver.localEndpoint(), 31, bytes, TIMEOUT);
                        assertEquals(3, bytes.position());
                        return null;
                    },
                    () -> receiver.receive(31, TIMEOUT));
            ByteBuffer received = Planes.onThreads(tasks).get(1);
            assertEquals(payload.length, received.remaining());
            byte[] bytes = new byte[payload.length];
            received.get(bytes);
            assertArrayEquals(payload, bytes);
        }
    }

    @Test
    @Timeout(30)
    void bulkAndRingMessagesDoNotStealEachOther() throws Exception {
        int count = 10_000;
        try (Planes planes = new Planes(TensorPlane.Transport.IPC, 2, tempDir, count)) {
            long[][] inputs = randomInputs(2, count, 9);
            byte[] payload = new byte[300_000];
            new SplittableRandom(10).nextBytes(payload);
            List<Callable<Object>> tasks = List.of(
                    () -> { // rank 0 sums first (tag 40), then sends (tag 41)
                        ByteBuffer values = direct(inputs[0]);
                        planes.planes.get(0).sum(planes.rings[0], 40, values, count, TIMEOUT);
                        planes.planes.get(0).send(planes.planes.get(1).localEndpoint(), 41,
                                ByteBuffer.wrap(payload), TIMEOUT);
                        return longs(values, count);
                    },
                    () -> {
                        ByteBuffer values = direct(inputs[1]);
                        planes.planes.get(1).sum(planes.rings[1], 40, values, count, TIMEOUT);
                        ByteBuffer received = planes.planes.get(1).receive(41, TIMEOUT);
                        byte[] bytes = new byte[received.remaining()];
                        received.get(bytes);
                        assertArrayEquals(payload, bytes);
                        return longs(values, count);
                    });
            List<Object> results = Planes.onThreads(tasks);
            assertArrayEquals(sequentialSum(inputs, count), (long[]) results.get(0));
            assertArrayEquals(sequentialSum(inputs, count), (long[]) results.get(1));
        }
    }

    @Test
    @Timeout(30)
    void aRingOfOneReturnsAtOnceUntouched() throws Exception {
        Path dir = tempDir.resolve("solo");
        try (TensorPlane plane = TensorPlane.start(TensorPlane.Settings.ipc(dir, true, 7, 100))) {
            long[] input = randomInputs(1, 100, 1)[0];
            ByteBuffer values = direct(input);
            long start = System.nanoTime();
            plane.sum(new Ring(List.of(plane.localEndpoint()), 0), 1, values, 100, TIMEOUT);
            assertTrue(System.nanoTime() - start < 50_000_000L);
            assertArrayEquals(input, longs(values, 100));
            assertTrue(Files.exists(dir));
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    @Timeout(30)
    void closeIsIdempotentAndDeletesTheDriverDirectory() {
        Path dir = tempDir.resolve("twice");
        TensorPlane plane = TensorPlane.start(TensorPlane.Settings.udp(dir, true, "127.0.0.1", 3, 10));
        assertTrue(plane.localEndpoint().channel().matches("aeron:udp\\?endpoint=127\\.0\\.0\\.1:\\d+"),
                plane.localEndpoint().channel());
        assertFalse(plane.localEndpoint().channel().endsWith(":0"));
        plane.close();
        plane.close();
        assertFalse(Files.exists(dir));
    }

    @Test
    void partsCoverTheVectorWithLengthsDifferingByAtMostOne() {
        for (int count : new int[] {0, 1, 2, 7, 1_000_003}) {
            for (int size = 1; size <= 5; size++) {
                assertEquals(0, RingExchange.partStart(0, count, size));
                assertEquals(count, RingExchange.partStart(size, count, size));
                for (int part = 0; part < size; part++) {
                    int length = RingExchange.partStart(part + 1, count, size) - RingExchange.partStart(part, count, size);
                    assertTrue(length == count / size || length == count / size + 1);
                }
            }
        }
    }

    /** Every rank sums its own random vector; all must end with the sequential (wrapping) sum, bit for bit. */
    private static void assertExactSum(Planes planes, long tag, int count, long seed) throws Exception {
        int n = planes.size();
        long[][] inputs = randomInputs(n, count, seed);
        List<Callable<long[]>> tasks = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            int r = rank;
            tasks.add(() -> {
                ByteBuffer values = direct(inputs[r]);
                planes.planes.get(r).sum(planes.rings[r], tag, values, count, TIMEOUT);
                return longs(values, count);
            });
        }
        long[] expected = sequentialSum(inputs, count);
        for (long[] result : Planes.onThreads(tasks)) {
            assertArrayEquals(expected, result);
        }
    }

    /** Random values, a third of them near the int64 extremes so that sums wrap around. */
    static long[][] randomInputs(int n, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] inputs = new long[n][count];
        for (long[] input : inputs) {
            for (int i = 0; i < count; i++) {
                input[i] = switch (i % 3) {
                    case 0 -> Long.MAX_VALUE - random.nextInt(1000);
                    case 1 -> random.nextLong();
                    default -> random.nextInt(2001) - 1000;
                };
            }
        }
        return inputs;
    }

    static long[] sequentialSum(long[][] inputs, int count) {
        long[] sum = new long[count];
        for (long[] input : inputs) {
            for (int i = 0; i < count; i++) {
                sum[i] += input[i];
            }
        }
        return sum;
    }

    static ByteBuffer direct(long[] values) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.max(1, values.length) * Long.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        return buffer;
    }

    static long[] longs(ByteBuffer buffer, int count) {
        long[] values = new long[count];
        buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return values;
    }
}
