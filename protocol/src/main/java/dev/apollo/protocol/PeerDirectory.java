package dev.apollo.protocol;

import java.util.List;

/**
 * Where every accepted worker receives tensors, sent to each worker whenever it changes and before any step that
 * needs it (messages from one sender arrive in order): a step's ring is its shard owners, in order, at these
 * endpoints.
 */
public record PeerDirectory(List<Peer> peers) implements WorkerMessage {

    /** One worker's tensor endpoint: an Aeron channel and stream. */
    public record Peer(String workerId, String channel, int streamId) {}

    public PeerDirectory {
        peers = List.copyOf(peers);
    }
}
