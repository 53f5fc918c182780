package dev.apollo.sim;

import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.StepRecord;
import java.util.List;

/**
 * What a simulated run did: its trace, every command the core issued, the virtual time at which it ended, the
 * steps done, and the invariants it broke (none, for a correct core).
 */
public record SimulationResult(
        List<TraceEntry> trace, List<CoreCommand> commands, long finalTime, long stepsDone, List<Violation> violations) {

    public SimulationResult {
        trace = List.copyOf(trace);
        commands = List.copyOf(commands);
        violations = List.copyOf(violations);
    }

    /** The recorded step rows, in the order the core logged them. */
    public List<StepRecord> stepRecords() {
        return commands.stream().filter(RecordStep.class::isInstance).map(c -> ((RecordStep) c).record()).toList();
    }

    /** The depth every recorded step ran at. */
    public List<Integer> depths() {
        return stepRecords().stream().map(StepRecord::depth).toList();
    }
}
