package dev.apollo.config;

/** Membership: the run steps only while at least {@code minWorkers} workers hold its state, and pauses below. */
public record ClusterConfig(int minWorkers) {}
