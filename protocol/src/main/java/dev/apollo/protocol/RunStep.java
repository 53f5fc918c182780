package dev.apollo.protocol;

import java.util.List;

/**
 * Run optimizer step {@code step} (0-based): forward and backward at {@code depth} layers, layer l using real weight
 * {@code layerMap.get(l)} of the {@code weights} the stage owns, then update with learning rate {@code lr}.
 * {@code attempt} counts re-issues of the same step (after a worker left): only replies to the current attempt count.
 * The shard owners, in list order, form the all-reduce ring of this attempt; each holds the state of the boundary
 * before {@code step}, and one that still holds a tentative update from an earlier attempt discards it first.
 */
public record RunStep(long step, int attempt, int stage, int weights, int depth, List<Integer> layerMap, double lr, List<Shard> shards)
        implements CoreCommand, WorkerMessage {

    public RunStep {
        layerMap = List.copyOf(layerMap);
        shards = List.copyOf(shards);
    }
}
