package dev.apollo.coordinator.actor;

import dev.apollo.coordinator.node.CoordinatorNode;
import dev.apollo.protocol.RunSnapshot;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * How a run ends, for both coordinators and whoever waits on them: the final snapshot, or the first reason it
 * failed. Whatever completes it first wins; later reasons (the actor system stopping after a failure) are dropped.
 */
public final class RunOutcome {

    private final CompletableFuture<RunSnapshot> result = new CompletableFuture<>();

    /** Ends the run as the node ended it; false while the node still runs. */
    public boolean settle(CoordinatorNode<?> node) {
        if (!node.stopped()) {
            return false;
        }
        if (node.failure() != null) {
            fail(node.failure());
        } else {
            result.complete(node.finalSnapshot());
        }
        return true;
    }

    /** Fails the run with a one-line reason, unless it already ended. */
    public void fail(String reason) {
        result.completeExceptionally(new RunFailedException(reason));
    }

    /** Whether the run ended, well or not. */
    public boolean ended() {
        return result.isDone();
    }

    /** Whether the run ended, and well. */
    public boolean finished() {
        return result.isDone() && !result.isCompletedExceptionally();
    }

    /** Waits for the end: the final snapshot, or {@link RunFailedException} with the reason. */
    public RunSnapshot await() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RunFailedException failed ? failed
                    : new RunFailedException(e.getCause().toString());
        }
    }
}
