package dev.apollo.protocol;

/**
 * The coordinator's offer to a worker process that joined the cluster: its id in the run, the wire protocol, the
 * run's rendered configuration, the fingerprint of the corpus every worker must read from its own disk, and where
 * the coordinator receives tensors (states it pulls, checkpoints it writes). The worker answers
 * {@link JoinAccepted} or {@link JoinRefused}; the coordinator node never sees either, its adapter does.
 */
public record JoinOffer(String workerId, int protocolVersion, String config, long corpusBytes, String corpusSha256,
        String channel, int streamId) implements WorkerMessage {}
