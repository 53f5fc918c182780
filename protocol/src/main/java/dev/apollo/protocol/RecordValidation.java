package dev.apollo.protocol;

/** Log a validation result, with the cumulative tokens and FLOPs at which it was taken. */
public record RecordValidation(
        long stepsDone, int stage, int weights, double fullDepthLoss, double stageDepthLoss, long tokens, double flops)
        implements CoreCommand {}
