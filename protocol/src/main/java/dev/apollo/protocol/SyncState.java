package dev.apollo.protocol;

import java.util.List;

/**
 * Admit {@code targets} at the boundary before step {@code step}: each takes a copy of {@code sourceWorker}'s state
 * as of that boundary (the {@code weights} real layers and their optimizer moments) and answers
 * {@link StateSynced}. The source is a current member; a tentative update it may hold for {@code step} is not part
 * of that state.
 */
public record SyncState(long step, int weights, String sourceWorker, List<String> targets)
        implements CoreCommand, WorkerMessage {

    public SyncState {
        targets = List.copyOf(targets);
    }
}
