package dev.apollo.sim;

import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.StepRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a simulated run did: whether it finished, the events it took and the virtual time at which it ended, the
 * invariants it broke (none, for a correct core), every command the core issued, the trace (if kept), what happened
 * to it, and the final state's digest next to the fault-free run's.
 *
 * @param finalDigest     the state a live replica holds after the last step, or null if none does
 * @param referenceDigest the state the fault-free run holds after its last step
 */
public record SimulationResult(
        long seed,
        boolean finished,
        long events,
        long virtualNanos,
        List<Violation> violations,
        long violationCount,
        List<CoreCommand> commands,
        List<TraceEntry> trace,
        SimulationStats stats,
        Long finalDigest,
        long referenceDigest) {

    public SimulationResult {
        violations = List.copyOf(violations);
        commands = Collections.unmodifiableList(commands); // the simulation is over: nothing adds to it any more
        trace = List.copyOf(trace);
    }

    /**
     * The training log as it stands at the end: one row per step, where a step done again after a rollback or a
     * coordinator restart replaces the row written before.
     */
    public List<StepRecord> stepRecords() {
        List<StepRecord> rows = new ArrayList<>();
        for (CoreCommand command : commands) {
            if (command instanceof RecordStep record) {
                int at = (int) record.record().stepsDone() - 1;
                while (rows.size() > at) {
                    rows.remove(rows.size() - 1);
                }
                rows.add(record.record());
            }
        }
        return rows;
    }

    /** The depth every step of the final log ran at. */
    public List<Integer> depths() {
        return stepRecords().stream().map(StepRecord::depth).toList();
    }

    /** The commands of one kind, in the order issued. */
    public <T extends CoreCommand> List<T> issued(Class<T> type) {
        return commands.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
