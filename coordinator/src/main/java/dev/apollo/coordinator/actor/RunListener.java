package dev.apollo.coordinator.actor;

import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;

/** Where the coordinator's shell reports a run's progress: metrics files, progress bars, tests. */
public interface RunListener {

    void onStep(StepRecord record);

    void onValidation(RecordValidation validation);

    void onCheckpoint(long nextStep, String location);

    void onFinished(RunSnapshot snapshot);

    void onFailed(String message);
}
