package dev.apollo.config;

import java.time.Duration;

/**
 * Membership and deadlines. The run steps only while at least {@code minWorkers} workers hold its state, and pauses
 * below. A worker that owes a reply to a step past {@code stepTimeout}, or to anything else (an evaluation,
 * checkpoint, expansion or admission) past {@code phaseTimeout}, is declared dead; a run below the minimum waits
 * {@code joinTimeout} for workers to join, then fails.
 */
public record ClusterConfig(int minWorkers, Duration stepTimeout, Duration phaseTimeout, Duration joinTimeout) {}
