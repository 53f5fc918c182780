package dev.apollo.sim;

import java.util.PriorityQueue;

/**
 * The virtual clock: actions at virtual times (nanoseconds), run in time order and, at equal times, in the order
 * they were scheduled, so a run is a function of its seed alone.
 */
final class EventQueue {

    private record Event(long time, long sequence, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long now;
    private long scheduled;
    private long fired;

    long now() {
        return now;
    }

    /** Events run so far. */
    long fired() {
        return fired;
    }

    void after(long delay, Runnable action) {
        events.add(new Event(now + Math.max(0, delay), scheduled++, action));
    }

    /** Runs the next event; false if there is none. */
    boolean runNext() {
        Event next = events.poll();
        if (next == null) {
            return false;
        }
        now = next.time();
        fired++;
        next.action().run();
        return true;
    }
}
