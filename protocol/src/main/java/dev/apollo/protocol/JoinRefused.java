package dev.apollo.protocol;

/** A worker refused the offer (another corpus, model shape or protocol); {@code reason} is one line. */
public record JoinRefused(String workerId, String reason) implements CoordinatorMessage {}
