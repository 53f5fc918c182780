package dev.apollo.worker.cluster;

import dev.apollo.protocol.PeerDirectory;
import dev.apollo.tensor.Endpoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the run's accepted workers receive tensors, as the coordinator last sent them. Updated on the host's thread,
 * read on the worker's: the coordinator sends the directory before any command that needs it, and the host passes
 * that command on after updating, so the worker always reads a directory at least that new.
 */
final class PeerEndpoints {

    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    void update(PeerDirectory peers) {
        endpoints.keySet().retainAll(peers.peers().stream().map(PeerDirectory.Peer::workerId).toList());
        for (PeerDirectory.Peer peer : peers.peers()) {
            endpoints.put(peer.workerId(), new Endpoint(peer.channel(), peer.streamId()));
        }
    }

    /** The endpoint of {@code workerId}; {@code why} names what needs it, for the error when it is unknown. */
    Endpoint of(String workerId, String why) {
        Endpoint endpoint = endpoints.get(workerId);
        if (endpoint == null) {
            throw new IllegalStateException(why + " needs " + workerId + "'s tensor endpoint, which the coordinator "
                    + "never sent");
        }
        return endpoint;
    }
}
