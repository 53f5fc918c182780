package dev.apollo.tensor;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * Spins, yields, then parks: briefly (doubling from {@code minParkNs} up to {@code shortParkNs}) while the wait is
 * young, since a peer's next chunk or a driver's next limit update is usually microseconds away; once nothing has
 * happened for {@code patienceNs}, the parks double on up to {@code longParkNs}, so that a plane waiting on a slow
 * peer, or a driver with nothing to do, leaves the cores to others. Linux parks for 50-70 µs at the least (timer
 * slack), so a short park is already long next to a 64 KiB chunk (a few µs): the cap matters more than the floor.
 */
final class PatientIdleStrategy implements IdleStrategy {

    private final int maxSpins;
    private final int maxYields;
    private final long minParkNs;
    private final long shortParkNs;
    private final long longParkNs;
    private final long patienceNs;
    private int spins;
    private int yields;
    private long parkNs;
    private long firstParkNs;

    PatientIdleStrategy(int maxSpins, int maxYields, long minParkNs, long shortParkNs, long longParkNs,
                        long patienceNs) {
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNs = minParkNs;
        this.shortParkNs = shortParkNs;
        this.longParkNs = longParkNs;
        this.patienceNs = patienceNs;
        reset();
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (spins < maxSpins) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < maxYields) {
            yields++;
            Thread.yield();
        } else {
            long nowNs = System.nanoTime();
            if (parkNs == 0) {
                firstParkNs = nowNs;
                parkNs = minParkNs;
            } else {
                long capNs = nowNs - firstParkNs < patienceNs ? shortParkNs : longParkNs;
                parkNs = Math.min(parkNs << 1, capNs);
            }
            LockSupport.parkNanos(parkNs);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNs = 0;
    }

    @Override
    public String alias() {
        return "patient";
    }
}
