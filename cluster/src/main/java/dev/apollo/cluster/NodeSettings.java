package dev.apollo.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link ClusterConfigs#build} needs to know about one node.
 *
 * @param role coordinator, worker or control
 * @param host the interface the node binds and the name peers reach it by (an IP or a resolvable host name)
 * @param port the port it binds; 0 picks a free one (read the bound one off {@code Cluster.selfMember().address()})
 * @param seed {@code host:port} of the coordinator, for a worker or control node; null for the coordinator, its own seed
 * @param secret the cluster secret (only its SHA-256 goes into the config)
 * @param tls key and trust stores for {@code tls-tcp}, or null for plain {@code tcp}
 * @param stableAfter how long membership and reachability must stay unchanged before the split-brain resolver
 *     downs the unreachable side
 * @param acceptableHeartbeatPause how long a member may miss heartbeats before it is unreachable
 * @param joinTimeout how long a worker tries to join before its actor system shuts down
 * @param maxMessageBytes the largest serialized control message, below Artery's 256 KiB frame
 */
public record NodeSettings(NodeRole role, String host, int port, String seed, String secret, TlsStores tls,
        Duration stableAfter, Duration acceptableHeartbeatPause, Duration joinTimeout, int maxMessageBytes) {

    /**
     * A few seconds each: long enough for a GC pause or a busy host, short enough that a dead worker stalls a
     * step for seconds, not minutes. A node that is gone is then downed after about pause + stable-after.
     */
    public static final Duration DEFAULT_STABLE_AFTER = Duration.ofSeconds(5);
    public static final Duration DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE = Duration.ofSeconds(5);
    /** A worker started before its coordinator has this long to find it. */
    public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(30);

    public NodeSettings {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(secret, "secret");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the node's host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 0..65535");
        }
        if (role != NodeRole.COORDINATOR) {
            ClusterConfigs.parseSeed(Objects.requireNonNull(seed, "a " + role.roleName()
                    + " node needs the coordinator's host:port"));
        } else if (seed != null) {
            throw new IllegalArgumentException("the coordinator is its own seed; got seed " + seed);
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("the cluster secret is empty");
        }
        requirePositive("stableAfter", stableAfter);
        requirePositive("acceptableHeartbeatPause", acceptableHeartbeatPause);
        requirePositive("joinTimeout", joinTimeout);
        if (maxMessageBytes <= 0 || maxMessageBytes > ClusterConfigs.MAXIMUM_FRAME_BYTES) {
            throw new IllegalArgumentException("maxMessageBytes " + maxMessageBytes + " is not in 1.."
                    + ClusterConfigs.MAXIMUM_FRAME_BYTES + " (Artery's frame)");
        }
    }

    /** The coordinator at {@code host:port}, with the defaults. */
    public static NodeSettings coordinator(String host, int port, String secret) {
        return new NodeSettings(NodeRole.COORDINATOR, host, port, null, secret, null, DEFAULT_STABLE_AFTER,
                DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE, DEFAULT_JOIN_TIMEOUT, ClusterConfigs.DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** A worker at {@code host:port} joining the coordinator at {@code seed} ({@code host:port}), with the defaults. */
    public static NodeSettings worker(String host, int port, String seed, String secret) {
        return new NodeSettings(NodeRole.WORKER, host, port, seed, secret, null, DEFAULT_STABLE_AFTER,
                DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE, DEFAULT_JOIN_TIMEOUT, ClusterConfigs.DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** An operator's command at {@code host} (any free port) joining the coordinator at {@code seed} for a moment. */
    public static NodeSettings control(String host, String seed, String secret) {
        return new NodeSettings(NodeRole.CONTROL, host, 0, seed, secret, null, DEFAULT_STABLE_AFTER,
                DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE, DEFAULT_JOIN_TIMEOUT, ClusterConfigs.DEFAULT_MAX_MESSAGE_BYTES);
    }

    public NodeSettings withTls(TlsStores stores) {
        return new NodeSettings(role, host, port, seed, secret, stores, stableAfter, acceptableHeartbeatPause,
                joinTimeout, maxMessageBytes);
    }

    public NodeSettings withStableAfter(Duration duration) {
        return new NodeSettings(role, host, port, seed, secret, tls, duration, acceptableHeartbeatPause,
                joinTimeout, maxMessageBytes);
    }

    public NodeSettings withAcceptableHeartbeatPause(Duration duration) {
        return new NodeSettings(role, host, port, seed, secret, tls, stableAfter, duration, joinTimeout,
                maxMessageBytes);
    }

    public NodeSettings withJoinTimeout(Duration duration) {
        return new NodeSettings(role, host, port, seed, secret, tls, stableAfter, acceptableHeartbeatPause,
                duration, maxMessageBytes);
    }

    public NodeSettings withMaxMessageBytes(int bytes) {
        return new NodeSettings(role, host, port, seed, secret, tls, stableAfter, acceptableHeartbeatPause,
                joinTimeout, bytes);
    }

    @Override
    public String toString() { // never the secret
        return "NodeSettings[role=" + role + ", host=" + host + ", port=" + port + ", seed=" + seed + ", tls=" + tls
                + ", stableAfter=" + stableAfter + ", acceptableHeartbeatPause=" + acceptableHeartbeatPause
                + ", joinTimeout=" + joinTimeout + ", maxMessageBytes=" + maxMessageBytes + "]";
    }

    private static void requirePositive(String name, Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + duration);
        }
    }
}
