package dev.apollo.protocol;

/** {@code workerId} made the checkpoint for {@code nextStep} durable at {@code location}. */
public record CheckpointCompleted(long nextStep, String workerId, String location)
        implements CoreEvent, CoordinatorMessage {}
