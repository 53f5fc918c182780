package dev.apollo.sim;

/**
 * One line of a simulation's trace: at virtual time {@code time} (nanoseconds), an event delivered to the core, a
 * command it issued, a message delivered between nodes, a computation finished, or a fault.
 */
public record TraceEntry(long time, Kind kind, String message) {

    public enum Kind { EVENT, COMMAND, MESSAGE, COMPUTE, FAULT }

    @Override
    public String toString() {
        return time + " " + kind + " " + message;
    }
}
