package dev.apollo.protocol;

import java.util.List;

/**
 * {@code workerId} computes the validation loss after {@code stepsDone} steps, on the fixed held-out batches: once
 * at the full depth through {@code fullDepthMap}, once at the stage's own depth through {@code stageDepthMap}.
 */
public record Evaluate(long stepsDone, List<Integer> fullDepthMap, List<Integer> stageDepthMap, String workerId)
        implements CoreCommand, WorkerMessage {

    public Evaluate {
        fullDepthMap = List.copyOf(fullDepthMap);
        stageDepthMap = List.copyOf(stageDepthMap);
    }
}
