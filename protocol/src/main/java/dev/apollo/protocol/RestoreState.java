package dev.apollo.protocol;

import java.util.List;

/**
 * No member holds the run's state (the run starts, every holder is gone, or the coordinator restarted): each of
 * {@code workers} loads the state {@code snapshot} describes, the initialisation from the seed when
 * {@code snapshot.nextStep()} is 0 and otherwise that checkpoint, and answers {@link StateRestored}.
 */
public record RestoreState(RunSnapshot snapshot, List<String> workers) implements CoreCommand, WorkerMessage {

    public RestoreState {
        workers = List.copyOf(workers);
    }
}
