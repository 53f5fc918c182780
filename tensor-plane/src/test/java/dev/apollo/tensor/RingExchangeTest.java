package dev.apollo.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.tensor.RingExchange.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RingExchangeTest {

    private record Fragment(int to, long tag, int step, int sender, int position, int total, long[] values) {}

    /** Ranks of one exchange over a network that delivers in any order and sometimes twice. */
    private static final class Ranks {
        final RingExchange[] exchanges;
        final long[][] values;
        final List<Fragment> network = new ArrayList<>();
        final List<List<Fragment>> deferred = new ArrayList<>();
        final int chunk;

        Ranks(long[][] gradients, long tag, int chunk) {
            int size = gradients.length;
            this.chunk = chunk;
            exchanges = new RingExchange[size];
            values = new long[size][];
            for (int rank = 0; rank < size; rank++) {
                values[rank] = gradients[rank].clone();
                exchanges[rank] = new RingExchange();
                deferred.add(new ArrayList<>());
            }
            for (int rank = 0; rank < size; rank++) {
                exchanges[rank].start(tag, rank, size, values[rank].length, 0);
                send(rank);
            }
        }

        void send(int rank) {
            RingExchange exchange = exchanges[rank];
            while (exchange.sendPending()) {
                int position = exchange.sendPosition();
                int length = Math.min(chunk, exchange.sendEnd() - position);
                network.add(new Fragment((rank + 1) % exchanges.length, exchange.tag(), exchange.step(), rank,
                        position, exchange.sendEnd() - exchange.sendStart(),
                        Arrays.copyOfRange(values[rank], position, position + length)));
                exchange.sent(length, 0);
            }
        }

        Verdict deliver(Fragment fragment) {
            int rank = fragment.to();
            RingExchange exchange = exchanges[rank];
            Verdict verdict = exchange.offer(fragment.tag(), fragment.step(), fragment.sender(), fragment.position(),
                    fragment.total(), fragment.values().length);
            if (verdict == Verdict.TAKE) {
                for (int i = 0; i < fragment.values().length; i++) {
                    values[rank][fragment.position() + i] = exchange.adds()
                            ? values[rank][fragment.position() + i] + fragment.values()[i] : fragment.values()[i];
                }
                exchange.took(fragment.values().length, 0);
                send(rank);
                redeliver(rank);
            } else if (verdict == Verdict.DEFER) {
                deferred.get(rank).add(fragment);
            }
            return verdict;
        }

        void redeliver(int rank) {
            List<Fragment> waiting = new ArrayList<>(deferred.get(rank));
            deferred.get(rank).clear();
            waiting.forEach(this::deliver);
        }
    }

    /** Every rank ends with the sum, whatever order (and how many times) the fragments arrive in. */
    @ParameterizedTest
    @CsvSource({"1, 16, 4", "2, 16, 4", "3, 16, 3", "5, 16, 1", "16, 16, 2", "21, 16, 4", "4, 3, 1", "3, 1000, 64"})
    void everyRankEndsWithTheSumDespiteReorderingAndDuplicates(int size, int count, int chunk) {
        SplittableRandom random = new SplittableRandom(size * 31L + count);
        long[][] gradients = new long[size][count];
        long[] sum = new long[count];
        for (int rank = 0; rank < size; rank++) {
            for (int element = 0; element < count; element++) {
                gradients[rank][element] = random.nextLong();
                sum[element] += gradients[rank][element];
            }
        }
        Ranks ranks = new Ranks(gradients, 9, chunk);
        while (!ranks.network.isEmpty()) {
            boolean duplicate = random.nextInt(4) == 0;
            int pick = random.nextInt(ranks.network.size());
            ranks.deliver(duplicate ? ranks.network.get(pick) : ranks.network.remove(pick));
        }
        for (int rank = 0; rank < size; rank++) {
            assertTrue(ranks.exchanges[rank].complete(), "rank " + rank);
            assertArrayEquals(sum, ranks.values[rank], "rank " + rank);
        }
    }

    @Test
    void theScheduleSendsEachPartOnceAroundInReduceScatterThenAllGather() {
        RingExchange exchange = new RingExchange();
        exchange.start(1, 1, 3, 9, 0);
        // parts [0,3) [3,6) [6,9); rank 1 sends part 1 and adds part 0, then sends part 0 and adds part 2
        assertEquals(List.of(3, 6, 0, 3, true), describe(exchange));
        exchange.sent(3, 0);
        exchange.took(3, 0);
        assertEquals(List.of(0, 3, 6, 9, true), describe(exchange));
        exchange.sent(3, 0);
        exchange.took(3, 0);
        // all-gather: part 2 (summed here) goes on, part 1 (summed at rank 0) is copied
        assertEquals(List.of(6, 9, 3, 6, false), describe(exchange));
        exchange.sent(3, 0);
        exchange.took(3, 0);
        assertEquals(List.of(3, 6, 0, 3, false), describe(exchange));
        exchange.sent(3, 0);
        exchange.took(3, 0);
        assertTrue(exchange.complete());
    }

    private static List<Object> describe(RingExchange exchange) {
        return List.of(exchange.sendStart(), exchange.sendEnd(), exchange.receiveStart(), exchange.receiveEnd(),
                exchange.adds());
    }

    @Test
    void earlierFragmentsAreDroppedLaterOnesDeferredAndForgedOnesRefused() {
        RingExchange exchange = new RingExchange();
        exchange.start(50, 0, 2, 8, 0); // step 0: receives part [4, 8) from rank 1
        assertEquals(Verdict.DROP, exchange.offer(49, 0, 1, 4, 4, 2), "an exchange given up");
        assertEquals(Verdict.DEFER, exchange.offer(51, 0, 1, 4, 4, 2), "an exchange still to come");
        assertEquals(Verdict.DEFER, exchange.offer(50, 1, 1, 0, 4, 2), "the next step");
        assertEquals(Verdict.DEFER, exchange.offer(50, 0, 1, 6, 4, 2), "ahead within the step");
        assertEquals(Verdict.TAKE, exchange.offer(50, 0, 1, 4, 4, 2));
        exchange.took(2, 0);
        assertEquals(Verdict.DROP, exchange.offer(50, 0, 1, 4, 4, 2), "a duplicate of the one taken");
        assertEquals(Verdict.REFUSE, exchange.offer(50, 0, 0, 6, 4, 2));
        assertTrue(exchange.refusal().contains("predecessor is rank 1"), exchange.refusal());
        assertEquals(Verdict.REFUSE, exchange.offer(50, 0, 1, 6, 5, 2));
        assertEquals(Verdict.REFUSE, exchange.offer(50, 0, 1, 1_000_000, 4, 2));
        assertTrue(exchange.refusal().contains("outside"), exchange.refusal());
        assertEquals(Verdict.REFUSE, exchange.offer(50, 7, 1, 6, 4, 2));
        assertEquals(Verdict.TAKE, exchange.offer(50, 0, 1, 6, 4, 2));
    }

    @Test
    void aSilentPeerIsOverdueOnlyAfterTheTimeoutSinceItsLastFragment() {
        RingExchange exchange = new RingExchange();
        exchange.start(3, 0, 2, 8, 1_000);
        assertNull(exchange.overdue(1_000 + 500, 500));
        assertTrue(exchange.overdue(1_000 + 501, 500).contains("successor took nothing"));
        exchange.sent(4, 1_501);
        exchange.took(2, 1_700);
        assertNull(exchange.overdue(2_200, 500));
        assertTrue(exchange.overdue(2_201, 500).contains("predecessor sent nothing of exchange 3 step 0"));
    }

    @Test
    void aRingOfOneOrAnEmptyVectorIsCompleteAtOnce() {
        RingExchange exchange = new RingExchange();
        exchange.start(1, 0, 1, 100, 0);
        assertTrue(exchange.complete());
        exchange.start(2, 2, 3, 0, 0);
        assertTrue(exchange.complete());
    }
}
