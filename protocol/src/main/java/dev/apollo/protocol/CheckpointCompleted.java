package dev.apollo.protocol;

/** A checkpoint for {@code nextStep} is durable at {@code location}; {@code digest} checksums its tensors. */
public record CheckpointCompleted(long nextStep, String location, String digest) implements CoreEvent, CoordinatorMessage {}
