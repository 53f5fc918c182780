package dev.apollo.protocol;

/**
 * An operator asks the coordinator to let {@code workerId} go after its step ({@code apollo leave}); it goes as if
 * it had asked itself ({@link LeaveRequested}). The coordinator answers {@link LeaveAnswered} to {@code replyTo}, an
 * actor reference in Pekko's serialization format (the protocol holds no actor types).
 */
public record LeaveOrdered(String workerId, String replyTo) implements CoordinatorMessage {}
