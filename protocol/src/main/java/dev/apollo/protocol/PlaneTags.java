package dev.apollo.protocol;

/**
 * The tags that name exchanges on the tensor plane. A plane takes its exchanges in increasing tag order (an older tag
 * is dropped, a newer one waits), so tags follow the order things happen at a step boundary: the checkpoint written
 * or restored, then the states handed over (to workers admitted, then for an expansion), then the step's gradient
 * sum.
 */
public final class PlaneTags {

    private static final int KIND_SHIFT = 20;
    private static final int STEP_SHIFT = 24;
    private static final long COUNTER_MASK = (1L << KIND_SHIFT) - 1;

    private PlaneTags() {}

    /** The state written as the checkpoint at boundary {@code nextStep}. */
    public static long checkpoint(long nextStep) {
        return tag(nextStep, 0, 0);
    }

    /** The state the coordinator sends workers that restore boundary {@code nextStep} (a checkpoint, or the start). */
    public static long restore(long nextStep) {
        return tag(nextStep, 0, 1);
    }

    /** A member's state copied to workers admitted at boundary {@code step} (before any expansion round there). */
    public static long sync(long step) {
        return tag(step, 1, 0);
    }

    /** A state pulled or pushed at boundary {@code step}, in expansion round {@code round} (from 1). */
    public static long state(long step, long round) {
        return tag(step, 1, round);
    }

    /** The gradient sum of attempt {@code attempt} at step {@code step}. */
    public static long gradients(long step, int attempt) {
        return tag(step, 2, attempt);
    }

    private static long tag(long step, int kind, long counter) {
        return (step << STEP_SHIFT) | ((long) kind << KIND_SHIFT) | (counter & COUNTER_MASK);
    }
}
