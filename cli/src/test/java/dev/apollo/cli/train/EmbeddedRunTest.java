package dev.apollo.cli.train;

import dev.apollo.cli.CliHarness;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.actor.RunFailedException;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.RunListener;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.run.Corpus;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.worker.data.BatchSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real single-process run (actor system, node, worker, model) with a worker that is slow or hangs. */
class EmbeddedRunTest {

    @TempDir
    Path dir;

    private ApolloConfig config() throws Exception {
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < CliHarness.SMALL_MODEL.size(); i += 2) {
            overrides.add(CliHarness.SMALL_MODEL.get(i));
        }
        overrides.addAll(List.of("train.steps=12", "cluster.step-timeout=2 s",
                "data.path=\"" + CliHarness.corpus(dir) + "\""));
        return ConfigLoader.load("tiny", null, overrides);
    }

    /** A device that never finishes step {@code hungAt} and takes {@code delayMillis} longer over every other. */
    private static UnaryOperator<Behavior<WorkerMessage>> device(long hungAt, long delayMillis) {
        return worker -> Behaviors.intercept(() -> new BehaviorInterceptor<WorkerMessage, WorkerMessage>(
                WorkerMessage.class) {
            @Override
            public Behavior<WorkerMessage> aroundReceive(TypedActorContext<WorkerMessage> context, WorkerMessage message,
                    ReceiveTarget<WorkerMessage> target) {
                if (message instanceof RunStep step) {
                    if (step.step() == hungAt) {
                        return Behaviors.same(); // the reply never comes
                    }
                    try {
                        Thread.sleep(delayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return target.apply(context, message);
            }
        }, worker);
    }

    private static final class Steps implements RunListener {
        final List<StepRecord> records = new ArrayList<>();

        @Override
        public void onStep(StepRecord record) {
            records.add(new StepRecord(record.stepsDone(), record.stage(), record.weights(), record.depth(),
                    record.loss(), record.gradNorm(), record.lr(), record.tokens(), record.flops(), 0)); // clock aside
        }
    }

    private List<StepRecord> run(ApolloConfig config, String name, UnaryOperator<Behavior<WorkerMessage>> device) {
        BatchSource data = Corpus.load(config);
        Steps steps = new Steps();
        RunPlan plan = RunPlan.from(config);
        EmbeddedRun.run(config, ConfigLoader.render(config), data, dir.resolve(name), plan.freshStart(), null, steps,
                device);
        return steps.records;
    }

    @Test
    void aWorkerThatNeverAnswersAStepFailsTheRunWithinTheDeadlineWithTheReason() throws Exception {
        ApolloConfig config = config();
        long started = System.nanoTime();

        RunFailedException failed = assertThrows(RunFailedException.class,
                () -> run(config, "hung", device(5, 0)));
        double seconds = (System.nanoTime() - started) / 1e9;

        assertEquals("worker-0 did not answer step 5 (attempt 0) within 2 s (cluster.step-timeout); fewer than "
                + "cluster.min-workers (1) workers hold the run's state at step 0 and this run takes no new workers",
                failed.getMessage());
        assertTrue(seconds < 30, () -> "failed after " + seconds + " s");
    }

    @Test
    void aWorkerSlowButWithinTheDeadlineChangesNothing() throws Exception {
        ApolloConfig config = config();

        List<StepRecord> prompt = run(config, "prompt", UnaryOperator.identity());
        List<StepRecord> slow = run(config, "slow", device(-1, 150));

        assertEquals(12, prompt.size());
        assertEquals(prompt, slow);
    }
}
