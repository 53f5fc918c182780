package dev.apollo.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.apollo.config.ApolloConfig;
import dev.apollo.worker.TestConfigs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The property the cluster rests on: a step's result does not depend on how many workers shared its micro-batches.
 * Replicas run on threads and sum through an in-memory exchange (the Aeron ring is tested on its own). DJL allows
 * one gradient collector at a time in a JVM, so the threads take turns computing and meet only in the exchange.
 */
@Timeout(120)
class ExactAtAnyWorkerCountTest {

    private static final int[] MAP = {0, 0, 1, 1};
    private static final int STEPS = 4;

    /** What one replica did: its step outcomes and the digest of its final state. */
    private record Trained(List<Replica.StepOutcome> outcomes, String digest) {}

    @Test
    void oneTwoThreeAndFourWorkersGiveBitIdenticalLossesNormsAndStates() throws Exception {
        ApolloConfig config = TestConfigs.small("gpt", "train.micro-batch-size=2"); // 4 micro-batches of 2
        Trained alone = agreed(train(config, new int[][] {{0, 4}}, STEPS));
        assertEquals(alone, agreed(train(config, new int[][] {{0, 2}, {2, 2}}, STEPS)));
        assertEquals(alone, agreed(train(config, new int[][] {{0, 1}, {1, 2}, {3, 1}}, STEPS))); // uneven shares
        assertEquals(alone, agreed(train(config, new int[][] {{0, 1}, {1, 1}, {2, 1}, {3, 1}}, STEPS)));
    }

    @Test
    void microBatchesChangeTheArithmeticButNotTheTraining() throws Exception {
        // one micro-batch of 8 and four of 2 are different sums (each micro-batch's mean, then their mean), close
        double whole = agreed(train(TestConfigs.small("gpt", "train.micro-batch-size=0"), new int[][] {{0, 1}},
                STEPS)).outcomes().get(STEPS - 1).loss();
        double quarters = agreed(train(TestConfigs.small("gpt", "train.micro-batch-size=2"), new int[][] {{0, 4}},
                STEPS)).outcomes().get(STEPS - 1).loss();
        assertEquals(whole, quarters, 1e-3);
        assertNotEquals(whole, quarters); // the micro-batch size is part of a run's definition
    }

    @Test
    void aNonFinitePartOnOneOwnerIsSkippedByEveryOwnerTogether() throws Exception {
        // rank 1's part of step 2 is flagged as its seal() does on a NaN: both owners skip that step and go on
        ApolloConfig config = TestConfigs.small("gpt", "train.micro-batch-size=2");
        Trained shared = agreed(train(config, new int[][] {{0, 2}, {2, 2}}, STEPS,
                (rank, step) -> rank == 1 && step == 2));
        assertEquals(Replica.StepOutcome.SKIPPED, shared.outcomes().get(2));
        assertFalse(shared.outcomes().get(3).skipped());
        assertTrue(Double.isFinite(shared.outcomes().get(3).loss()));
        // one worker alone whose part of step 2 is flagged skips it the same way
        assertEquals(shared, agreed(train(config, new int[][] {{0, 4}}, STEPS, (rank, step) -> step == 2)));
        Trained clean = agreed(train(config, new int[][] {{0, 4}}, STEPS));
        assertEquals(clean.outcomes().subList(0, 2), shared.outcomes().subList(0, 2));
        assertNotEquals(clean.digest(), shared.digest());
    }

    private static Trained agreed(List<Trained> replicas) {
        replicas.forEach(replica -> assertEquals(replicas.get(0), replica));
        return replicas.get(0);
    }

    /** Which rank's part of which step is made non-finite. */
    private interface Poison {
        boolean at(int rank, int step);
    }

    private static List<Trained> train(ApolloConfig config, int[][] shares, int steps) throws Exception {
        return train(config, shares, steps, (rank, step) -> false);
    }

    /** Each share {first, count} of every step runs on its own replica, on its own thread. */
    private static List<Trained> train(ApolloConfig config, int[][] shares, int steps, Poison poison)
            throws Exception {
        InMemoryExchange exchange = new InMemoryExchange(shares.length);
        ReentrantLock computing = new ReentrantLock();
        ExecutorService threads = Executors.newFixedThreadPool(shares.length);
        try {
            List<Future<Trained>> futures = new ArrayList<>();
            for (int rank = 0; rank < shares.length; rank++) {
                int[] share = shares[rank];
                int me = rank;
                futures.add(threads.submit(() -> {
                    List<Replica.StepOutcome> outcomes = new ArrayList<>();
                    try (Replica replica = new Replica(config, TestConfigs.dataset(config), Device.cpu(), 2, null)) {
                        for (int step = 0; step < steps; step++) {
                            boolean poisoned = poison.at(me, step);
                            computing.lock();
                            try {
                                outcomes.add(replica.trainStep(step, MAP, 1e-3 * (1 + step), share[0], share[1],
                                        (values, count) -> {
                                            if (poisoned) {
                                                values.putLong((count - 1) * Long.BYTES, 1);
                                            }
                                            computing.unlock();
                                            try {
                                                exchange.sum(me, values, count);
                                            } finally {
                                                computing.lock();
                                            }
                                        }));
                            } finally {
                                computing.unlock();
                            }
                        }
                        return new Trained(outcomes, replica.exportState().digest());
                    }
                }));
            }
            List<Trained> results = new ArrayList<>();
            for (Future<Trained> future : futures) {
                results.add(future.get(100, TimeUnit.SECONDS)); // every owner, not only the first, must finish
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Ranks on threads: each deposits its buffer, each adds them all, each writes the total back. */
    private static final class InMemoryExchange {
        private final ByteBuffer[] parts;
        private final CyclicBarrier barrier;

        InMemoryExchange(int ranks) {
            parts = new ByteBuffer[ranks];
            barrier = new CyclicBarrier(ranks);
        }

        void sum(int rank, ByteBuffer values, int count) {
            try {
                parts[rank] = values;
                barrier.await(60, TimeUnit.SECONDS);
                long[] total = new long[count];
                for (ByteBuffer part : parts) {
                    for (int i = 0; i < count; i++) {
                        total[i] += part.getLong(i * Long.BYTES);
                    }
                }
                barrier.await(60, TimeUnit.SECONDS); // every rank read every part before any writes
                for (int i = 0; i < count; i++) {
                    values.putLong(i * Long.BYTES, total[i]);
                }
                barrier.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("exchange abandoned", e);
            }
        }
    }
}
