package dev.apollo.protocol;

/**
 * The coordinator's offer to a worker process that joined the cluster: its id in the run, the wire protocol, the
 * run's rendered configuration, the fingerprint of the corpus every worker must read from its own disk, where the
 * coordinator receives tensors (states it pulls, checkpoints it writes), and whether the run's start is the
 * initialization from the seed ({@code seededStart}; otherwise, as for any checkpoint it restores, the coordinator
 * sends the state over the tensor plane after {@link RestoreState}). The worker answers
 * {@link JoinAccepted} or {@link JoinRefused}; the coordinator node never sees either, its adapter does.
 */
public record JoinOffer(String workerId, int protocolVersion, String config, long corpusBytes, String corpusSha256,
        String channel, int streamId, boolean seededStart) implements WorkerMessage {}
