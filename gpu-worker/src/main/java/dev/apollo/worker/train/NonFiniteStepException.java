package dev.apollo.worker.train;

/**
 * A loss or gradient of a step was not finite (or too large to sum exactly) on some owner. Every owner learns it
 * from the exchanged sum and refuses the step together; no replica applies the update.
 */
public final class NonFiniteStepException extends RuntimeException {

    public NonFiniteStepException(long step) {
        super("training diverged at step " + step + ": a loss or gradient was not finite (the last checkpoint is "
                + "intact; try a lower optimizer.lr or a longer warmup)");
    }
}
