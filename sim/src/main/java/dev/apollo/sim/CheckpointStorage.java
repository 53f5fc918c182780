package dev.apollo.sim;

import dev.apollo.protocol.RunSnapshot;
import java.util.Map;
import java.util.TreeMap;

/**
 * Durable storage shared by every simulated process: a checkpoint is the coordinator's snapshot and the digest of
 * the replica state written with it, present only once its write completed. The start of a run needs no
 * checkpoint: its state is the initialisation from the seed.
 */
final class CheckpointStorage {

    record Checkpoint(RunSnapshot snapshot, long digest) {}

    private final TreeMap<Long, Checkpoint> written = new TreeMap<>();
    private final Checkpoint start;

    /** (step, weights) as one key: the state before {@code step} with {@code weights} real layers. */
    private static long label(long step, int weights) {
        return step << 16 | weights;
    }

    CheckpointStorage(RunSnapshot freshStart) {
        this.start = new Checkpoint(freshStart, ReplicaDigest.initial(freshStart.seed(), freshStart.weights()));
    }

    void write(RunSnapshot snapshot, long digest) {
        written.put(label(snapshot.nextStep(), snapshot.weights()), new Checkpoint(snapshot, digest));
    }

    /** The checkpoint {@code snapshot} describes, or null if none was written (the fresh start always exists). */
    Checkpoint find(RunSnapshot snapshot) {
        if (snapshot.equals(start.snapshot())) {
            return start;
        }
        Checkpoint found = written.get(label(snapshot.nextStep(), snapshot.weights()));
        return found != null && found.snapshot().equals(snapshot) ? found : null;
    }

    /** The newest checkpoint (furthest into the run), or the fresh start: where a restarted coordinator resumes. */
    Checkpoint latest() {
        Map.Entry<Long, Checkpoint> last = written.lastEntry();
        return last == null ? start : last.getValue();
    }
}
