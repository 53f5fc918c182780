package dev.apollo.protocol;

/**
 * {@code workerId} computed its part of a step attempt but its gradient exchange has waited for peers longer than
 * a worker waits before saying so. It is alive: when the step's deadline passes, the coordinator declares dead only
 * the owners it heard nothing from, not the ones stuck behind them in the ring.
 */
public record StepStalled(long step, int attempt, String workerId) implements CoordinatorMessage {}
