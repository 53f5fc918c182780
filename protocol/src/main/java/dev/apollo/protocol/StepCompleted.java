package dev.apollo.protocol;

/**
 * A worker's part of one attempt at a step: the step's mean loss and the norm before clipping of the gradient it
 * applied (both taken from the all-reduced sum over every micro-batch, so the same on every replica, which the
 * coordinator node checks), how many micro-batches it computed, and the seconds it was busy with the step (forward,
 * backward, gradient exchange and update), read off its own clock.
 *
 * <p>{@code skipped}: the sum held a non-finite loss or gradient (on this or another owner), so the worker applied
 * no update and left its state as it was before the step; every owner sees the same sum and skips together. The
 * loss and norm of a skipped step are NaN.
 */
public record StepCompleted(long step, int attempt, String workerId, int microBatches, boolean skipped, double loss,
        double gradNorm, double workSeconds)
        implements CoreEvent, CoordinatorMessage {}
