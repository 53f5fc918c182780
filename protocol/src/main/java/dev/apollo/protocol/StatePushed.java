package dev.apollo.protocol;

/** {@code workerId} now holds the state pushed in expansion round {@code round}, whose checksum is {@code digest}. */
public record StatePushed(long step, long round, String workerId, String digest) implements CoordinatorMessage {}
