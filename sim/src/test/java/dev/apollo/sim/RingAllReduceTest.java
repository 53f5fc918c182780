package dev.apollo.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RingAllReduceTest {

    private record InFlight(int to, int phase, long[] values) {}

    /** Every worker ends with the sum, whatever order (and how many times) the chunks arrive in. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 16, 21})
    void everyWorkerEndsWithTheSumDespiteReorderingAndDuplicates(int size) {
        SplittableRandom random = new SplittableRandom(size);
        long[][] gradients = new long[size][SimData.GRADIENT_ELEMENTS];
        long[] sum = new long[SimData.GRADIENT_ELEMENTS];
        for (int worker = 0; worker < size; worker++) {
            for (int element = 0; element < sum.length; element++) {
                gradients[worker][element] = random.nextLong();
                sum[element] += gradients[worker][element];
            }
        }
        List<InFlight> network = new ArrayList<>();
        RingAllReduce[] ring = new RingAllReduce[size];
        for (int worker = 0; worker < size; worker++) {
            ring[worker] = new RingAllReduce(size, worker);
        }
        RingAllReduce.Successor[] successors = new RingAllReduce.Successor[size];
        for (int worker = 0; worker < size; worker++) {
            int next = (worker + 1) % size;
            successors[worker] = (phase, values) -> network.add(new InFlight(next, phase, values));
        }
        // workers contribute in a random order, interleaved with random deliveries
        List<Integer> waiting = new ArrayList<>();
        for (int worker = 0; worker < size; worker++) {
            waiting.add(worker);
        }
        while (!waiting.isEmpty() || !network.isEmpty()) {
            if (!waiting.isEmpty() && (network.isEmpty() || random.nextBoolean())) {
                int worker = waiting.remove(random.nextInt(waiting.size()));
                ring[worker].contribute(gradients[worker], successors[worker]);
            } else {
                InFlight message = random.nextInt(4) == 0 ? network.get(random.nextInt(network.size()))
                        : network.remove(random.nextInt(network.size()));
                ring[message.to()].receive(message.phase(), message.values(), successors[message.to()]);
            }
        }
        for (int worker = 0; worker < size; worker++) {
            assertTrue(ring[worker].complete(), "worker " + worker);
            assertArrayEquals(sum, ring[worker].result(), "worker " + worker);
        }
    }
}
