package dev.apollo.cluster;

/** What a node is in the cluster; {@link #roleName()} is its Pekko cluster role. */
public enum NodeRole {
    /** Runs the coordinator: the cluster's seed, and the side the split-brain resolver keeps. */
    COORDINATOR("coordinator"),
    /** Runs a worker; joins through the coordinator. */
    WORKER("worker"),
    /** An operator's command ({@code apollo leave}): joins through the coordinator for a moment, then leaves. */
    CONTROL("control");

    private final String roleName;

    NodeRole(String roleName) {
        this.roleName = roleName;
    }

    public String roleName() {
        return roleName;
    }
}
