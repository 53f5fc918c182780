package dev.apollo.coordinator.node;

import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.StepRecord;

/** Where the coordinator node reports a run's progress: metrics files, progress bars, tests. All optional. */
public interface RunListener {

    default void onStep(StepRecord record) {}

    /**
     * Every owner skipped a step, applying no update, because its loss or gradient was not finite; {@code inARow}
     * steps in a row, this one included, were skipped. The record counts the step (its {@code stepsDone}, tokens,
     * FLOPs, depth and learning rate are as for any step); its loss and gradient norm are NaN.
     */
    default void onStepSkipped(StepRecord record, int inARow) {}

    default void onValidation(RecordValidation validation) {}

    default void onCheckpoint(long nextStep, String location) {}

    /** What became of a worker, as the node saw it. */
    enum WorkerEvent {
        /** A process asked to join and was offered a place in the run (cluster runs only). */
        OFFERED,
        /** It joined the run (it is admitted with a copy of the state at a step boundary). */
        JOINED,
        /** A worker that joined mid-run holds a copy of the state: it takes part from the next step. */
        ADMITTED,
        /** It was let go at a step boundary (it asked to leave, or the run needs no more workers). */
        RELEASED,
        /** It left without notice, or was declared dead for not answering in time. */
        LOST
    }

    default void onWorker(WorkerEvent event, String workerId) {}

    /** Step {@code step} is run again as {@code attempt}: an owner of its earlier attempt was lost. */
    default void onStepRerun(long step, int attempt) {}

    default void onFinished(RunSnapshot snapshot) {}

    /** The run stopped before its end; {@code message} is the reason, on one line. */
    default void onFailed(String message) {}
}
