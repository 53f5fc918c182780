package dev.apollo.protocol;

/** {@code workerId} holds the state the run resumes from at {@code nextStep}. */
public record StateRestored(long nextStep, String workerId) implements CoreEvent, CoordinatorMessage {}
