package dev.apollo.coordinator.node;

import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;

/** Where the coordinator node reports a run's progress: metrics files, progress bars, tests. All optional. */
public interface RunListener {

    default void onStep(StepRecord record) {}

    default void onValidation(RecordValidation validation) {}

    default void onCheckpoint(long nextStep, String location) {}

    default void onFinished(RunSnapshot snapshot) {}

    /** The run stopped before its end; {@code message} is the reason, on one line. */
    default void onFailed(String message) {}
}
