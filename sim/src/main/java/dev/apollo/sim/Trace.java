package dev.apollo.sim;

import java.util.ArrayList;
import java.util.List;

/** The trace of a run, or nothing when off: callers pass objects, formatted only when the trace is kept. */
final class Trace {

    private final EventQueue clock;
    private final List<TraceEntry> entries;

    Trace(EventQueue clock, boolean on) {
        this.clock = clock;
        this.entries = on ? new ArrayList<>() : null;
    }

    /** Whether entries are kept: callers that would build a description first ask. */
    boolean on() {
        return entries != null;
    }

    void add(TraceEntry.Kind kind, String who, Object what) {
        if (entries != null) {
            entries.add(new TraceEntry(clock.now(), kind, who + " " + what));
        }
    }

    void message(String from, String to, Object what) {
        if (entries != null) {
            entries.add(new TraceEntry(clock.now(), TraceEntry.Kind.MESSAGE, from + " -> " + to + " " + what));
        }
    }

    List<TraceEntry> entries() {
        return entries == null ? List.of() : entries;
    }
}
