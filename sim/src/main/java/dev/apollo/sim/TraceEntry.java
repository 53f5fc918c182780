package dev.apollo.sim;

/** One line of a simulation's trace: at virtual time {@code time}, an event delivered, a command issued or a fault. */
public record TraceEntry(long time, Kind kind, String message) {

    public enum Kind { EVENT, COMMAND, FAULT }

    @Override
    public String toString() {
        return time + " " + kind + " " + message;
    }
}
