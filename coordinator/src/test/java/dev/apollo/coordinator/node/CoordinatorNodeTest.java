package dev.apollo.coordinator.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.JoinRefused;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.StepStalled;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerMessage;
import dev.apollo.protocol.WriteCheckpoint;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The node between the real core and a hand-driven transport and clock: what it sends, whom it declares dead when
 * a deadline passes, and when it fails the run. The state is a number, as in the simulator.
 */
class CoordinatorNodeTest {

    private static final long STEP_NANOS = 2_000_000_000L;
    private static final long PHASE_NANOS = 5_000_000_000L;
    private static final long START_NANOS = 60_000_000_000L;

    /** A transport, clock and listener that record everything, around the production node and core. */
    private static final class Harness implements Transport<Long>, Timers, RunListener {
        record Sent(String worker, WorkerMessage message) {}

        record Pushed(String worker, long step, long round, int weights, long state) {}

        final RunPlan plan;
        final CoordinatorNode<Long> node;
        final Deque<Sent> sent = new ArrayDeque<>();
        final List<Sent> allSent = new ArrayList<>();
        final Deque<Pushed> pushed = new ArrayDeque<>();
        final List<Pushed> allPushes = new ArrayList<>();
        final List<String> downed = new ArrayList<>();
        final List<StepRecord> steps = new ArrayList<>();
        final List<Deadline> deadlines = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        final List<String> workerEvents = new ArrayList<>();
        /** "stepsDone/inARow" of every skipped step reported. */
        final List<String> skipped = new ArrayList<>();
        /** Which owners report which steps skipped (their sum was not finite). */
        BiPredicate<String, RunStep> skips = (worker, step) -> false;
        String failure;
        RunSnapshot finished;
        /** Where workers say they wrote a checkpoint: "" when they sent the state on the plane instead. */
        String checkpointLocation = "mem";
        /** Checkpoints the transport wrote, as "worker@step"; and why a write fails, if it does. */
        final List<String> written = new ArrayList<>();
        String writeFailure;

        Harness(long joinNanos, String... overrides) {
            this(joinNanos, 0, overrides);
        }

        /** {@code startingWorkers}: how many the start gate waits for; 0 for the plan's minimum. */
        Harness(long joinNanos, int startingWorkers, String... overrides) {
            List<String> all = new ArrayList<>(List.of("train.steps=40", "train.batch-size=16", "train.micro-batch-size=1", "train.seed=7",
                    "train.eval-every=100", "train.checkpoint-every=100", "model.layers=3", "stages.layers=[1,3]",
                    "stages.boundary-unit=steps", "stages.boundaries=[10]"));
            all.addAll(List.of(overrides));
            plan = RunPlan.from(ConfigLoader.load("tiny", null, all));
            node = new CoordinatorNode<>(new CoordinatorCore(plan, plan.freshStart()), this, this,
                    (state, expansion) -> state * 31 + expansion.toWeights(),
                    new NodeDeadlines(STEP_NANOS, PHASE_NANOS, joinNanos, START_NANOS), this);
            node.start(plan.freshStart(), startingWorkers == 0 ? plan.minWorkers() : startingWorkers);
        }

        @Override
        public void send(String workerId, WorkerMessage message) {
            sent.add(new Sent(workerId, message));
            allSent.add(new Sent(workerId, message));
        }

        @Override
        public void restore(String workerId, RestoreState restore) {
            sent.add(new Sent(workerId, restore));
        }

        @Override
        public void push(String workerId, long step, long round, int weights, Long state) {
            Pushed push = new Pushed(workerId, step, round, weights, state);
            pushed.add(push);
            allPushes.add(push);
        }

        @Override
        public void down(String workerId) {
            downed.add(workerId);
        }

        @Override
        public String writeCheckpoint(String workerId, RunSnapshot snapshot) throws IOException {
            if (writeFailure != null) {
                throw new IOException(writeFailure);
            }
            written.add(workerId + "@" + snapshot.nextStep());
            return "written/" + snapshot.nextStep();
        }

        @Override
        public void start(Deadline deadline, long delayNanos) {
            deadlines.add(deadline);
            delays.add(delayNanos);
        }

        @Override
        public void onStep(StepRecord record) {
            steps.add(record);
        }

        @Override
        public void onStepSkipped(StepRecord record, int inARow) {
            assertTrue(Double.isNaN(record.loss()), record::toString);
            skipped.add(record.stepsDone() + "/" + inARow);
        }

        @Override
        public void onFinished(RunSnapshot snapshot) {
            finished = snapshot;
        }

        @Override
        public void onFailed(String message) {
            failure = message;
        }

        @Override
        public void onWorker(WorkerEvent event, String workerId) {
            workerEvents.add(event + " " + workerId);
        }

        @Override
        public void onStepRerun(long step, int attempt) {
            workerEvents.add("RERUN " + step + "/" + attempt);
        }

        /** The newest deadline set, passing. */
        void deadlinePasses() {
            node.onDeadline(deadlines.get(deadlines.size() - 1));
        }

        /**
         * Answers as healthy workers would (a digest per holder from {@code digest}, the gradient norm of each
         * step reply from {@code norm}) until {@code done} holds or nothing is left to answer.
         */
        void answer(BooleanSupplier done, BiFunction<String, Long, String> digest,
                BiFunction<String, RunStep, Double> norm) {
            while (!done.getAsBoolean() && !node.stopped() && (!sent.isEmpty() || !pushed.isEmpty())) {
                if (!pushed.isEmpty()) {
                    Pushed push = pushed.poll();
                    node.onMessage(new StatePushed(push.step(), push.round(), push.worker(),
                            digest.apply(push.worker(), push.state())));
                    continue;
                }
                Sent next = sent.poll();
                String worker = next.worker();
                WorkerMessage message = next.message();
                if (message instanceof RestoreState restore) {
                    node.onMessage(new StateRestored(restore.snapshot().nextStep(), worker));
                } else if (message instanceof RunStep step) {
                    Shard shard = step.shards().stream().filter(s -> s.workerId().equals(worker)).findFirst()
                            .orElseThrow();
                    boolean skipped = skips.test(worker, step);
                    node.onMessage(new StepCompleted(step.step(), step.attempt(), worker, shard.microBatches(), skipped,
                            skipped ? Double.NaN : 2.0, skipped ? Double.NaN : norm.apply(worker, step), 0.1));
                } else if (message instanceof PullState pull) {
                    node.onStatePulled(worker, pull.step(), pull.round(), 7L);
                } else if (message instanceof Evaluate evaluate) {
                    node.onMessage(new EvaluationCompleted(evaluate.stepsDone(), worker, 3.0, 3.0));
                } else if (message instanceof WriteCheckpoint checkpoint) {
                    node.onMessage(new CheckpointCompleted(checkpoint.snapshot().nextStep(), worker,
                            checkpointLocation));
                }
            }
        }

        void answerHealthily(BooleanSupplier done) {
            answer(done, (worker, state) -> Long.toHexString(state), (worker, step) -> 1.5);
        }

        List<RunStep> stepsSent() {
            return sent.stream().map(Sent::message).filter(RunStep.class::isInstance).map(RunStep.class::cast)
                    .distinct().toList();
        }
    }

    /** Joins the workers and answers until step {@code step} is sent; that step is left unanswered. */
    private static Harness atStep(Harness run, long step, String... workers) {
        for (String worker : workers) {
            run.node.onMembership(new WorkerJoined(worker));
        }
        run.answerHealthily(() -> run.sent.stream().anyMatch(s -> s.message() instanceof RunStep r && r.step() == step));
        return run;
    }

    @Test
    void theStartGateHoldsJoinsUntilEveryStartingWorkerIsThereAndTheFirstStepIsShardedOverAll() {
        Harness run = new Harness(0, 3);
        run.node.onMembership(new WorkerJoined("w0"));
        run.node.onMembership(new WorkerJoined("w1"));
        run.node.onMembership(new WorkerJoined("w1")); // a duplicate counts once
        assertEquals(List.of(), List.copyOf(run.sent), "nothing is asked before the gate opens");
        assertEquals(START_NANOS, run.delays.get(0));

        run.node.onMembership(new WorkerJoined("w2"));
        run.answerHealthily(() -> !run.stepsSent().isEmpty());
        assertEquals(List.of("w0", "w1", "w2"), run.stepsSent().get(0).shards().stream().map(Shard::workerId).toList());
        assertEquals(List.of("JOINED w0", "JOINED w1", "JOINED w2"), run.workerEvents);
        run.node.onDeadline(run.deadlines.get(0)); // the start wait, passing after the gate opened: nothing
        assertNull(run.failure);
    }

    @Test
    void aStartGateNotFilledInTimeFailsTheRunWithWhoJoinedAndWhoWasRefused() {
        Harness run = new Harness(0, 3);
        run.node.onMembership(new WorkerJoined("w0"));
        run.node.onMembership(new WorkerJoined("w1"));
        run.node.onMembership(new WorkerLeaving("w1")); // leaves before the start: released at once
        run.node.onMessage(new JoinRefused("w2", "another corpus"));

        run.node.onDeadline(run.deadlines.get(0));
        assertEquals("1 of 3 workers joined within 60 s (cluster.join-timeout); refused: w2: another corpus",
                run.failure);
        assertEquals(List.of(new Harness.Sent("w1", new ReleaseWorker("w1"))), List.copyOf(run.sent));
        assertEquals(List.of("JOINED w0", "JOINED w1", "RELEASED w1"), run.workerEvents);
    }

    @Test
    void aCheckpointSentOnThePlaneIsWrittenThroughTheTransportAndAFailedWriteFailsTheRun() {
        Harness run = new Harness(0, "train.checkpoint-every=5");
        run.checkpointLocation = "";
        atStep(run, 12, "w0", "w1");
        assertEquals(List.of("w0@5", "w0@10"), run.written);
        assertNull(run.failure);

        run.writeFailure = "No space left on device";
        run.answerHealthily(() -> run.node.stopped());
        assertEquals("writing the checkpoint at step 15 failed: No space left on device", run.failure);
        assertEquals(List.of("w0@5", "w0@10"), run.written, "the checkpoints before it stay");
        assertNull(run.finished);
    }

    @Test
    void aHealthyRunFinishesAndEveryHolderGetsTheExpandedStateOnce() {
        Harness run = atStep(new Harness(0), 40, "w0", "w1", "w2");

        assertNull(run.failure);
        assertEquals(40, run.finished.nextStep());
        assertEquals(40, run.steps.size());
        assertEquals(List.of(), run.downed);
        // pulled once from the first holder at step 10 (state 7), expanded to 3 weights, pushed to each holder
        assertEquals(List.of("w0", "w1", "w2"), run.allPushes.stream().map(Harness.Pushed::worker).toList());
        assertTrue(run.allPushes.stream().allMatch(p -> p.step() == 10 && p.weights() == 3 && p.state() == 7 * 31 + 3));
        assertEquals(3, run.finished.weights());
    }

    @Test
    void atTheStepDeadlineOnlyTheSilentOwnerIsDeclaredDeadAndTheOthersReRunTheStep() {
        Harness run = atStep(new Harness(0), 3, "w0", "w1", "w2");
        RunStep step = run.stepsSent().get(0);
        run.sent.clear();
        assertEquals(STEP_NANOS, run.delays.get(run.delays.size() - 1));
        run.node.onMessage(new StepStalled(3, step.attempt(), "w1")); // alive, waiting on its ring
        run.node.onMessage(new StepStalled(3, step.attempt(), "w2"));

        run.deadlinePasses();

        assertEquals(List.of("w0"), run.downed);
        RunStep rerun = run.stepsSent().get(0);
        assertEquals(3, rerun.step());
        assertEquals(step.attempt() + 1, rerun.attempt());
        assertEquals(List.of("w1", "w2"), rerun.shards().stream().map(Shard::workerId).toList());
        assertNull(run.failure);
        assertEquals(List.of("JOINED w0", "JOINED w1", "JOINED w2", "LOST w0", "RERUN 3/" + rerun.attempt()),
                run.workerEvents); // what a run's summary counts
    }

    @Test
    void aRingStuckWithEveryOwnerAliveLosesAllOfThem() {
        Harness run = atStep(new Harness(1_000_000_000L), 3, "w0", "w1");
        RunStep step = run.stepsSent().get(0);
        run.node.onMessage(new StepStalled(3, step.attempt(), "w0"));
        run.node.onMessage(new StepStalled(3, step.attempt(), "w1"));

        run.deadlinePasses();

        assertEquals(List.of("w0", "w1"), run.downed);
        assertNull(run.failure, "the run waits for workers to join");
        assertEquals(1_000_000_000L, run.delays.get(run.delays.size() - 1));
        run.deadlinePasses();
        assertEquals("w1 did not answer step 3 (attempt 0) within 2 s (cluster.step-timeout); fewer than "
                + "cluster.min-workers (1) workers hold the run's state at step 0 and none joined within 1 s "
                + "(cluster.join-timeout)", run.failure);
    }

    @Test
    void aLoneWorkerThatNeverAnswersFailsTheRunWithTheReasonOnOneLine() {
        Harness run = atStep(new Harness(0), 5, "w0");

        run.deadlinePasses();
        run.deadlinePasses(); // the wait for workers, which a single-process run does not have

        assertEquals(List.of("w0"), run.downed);
        assertEquals("w0 did not answer step 5 (attempt 0) within 2 s (cluster.step-timeout); fewer than "
                + "cluster.min-workers (1) workers hold the run's state at step 0 and this run takes no new workers",
                run.failure);
        assertTrue(run.node.stopped());
    }

    @Test
    void aDeadlineThatIsNoLongerTheNewestChangesNothing() {
        Harness run = atStep(new Harness(0), 5, "w0");
        Deadline forStepFive = run.deadlines.get(run.deadlines.size() - 1);
        run.answerHealthily(() -> run.steps.size() == 6);

        run.node.onDeadline(forStepFive);

        assertEquals(List.of(), run.downed);
        assertNull(run.failure);
    }

    @Test
    void replicasThatReportDifferentGradientNormsFailTheRun() {
        Harness run = atStep(new Harness(0), 0, "w0", "w1");

        run.answer(() -> false, (worker, state) -> "same", (worker, step) -> worker.equals("w1") ? 2.5 : 1.5);

        assertEquals("replicas disagree at step 0: loss 2.0, gradient norm 1.5 on w0, loss 2.0, gradient norm 2.5 on w1", run.failure);
        assertEquals(0, run.steps.size());
    }

    @Test
    void stepsEveryOwnerSkippedAreReportedAndTooManyInARowFailTheRun() {
        Harness run = new Harness(0, "train.max-skipped-steps=2");
        run.skips = (worker, step) -> step.step() == 3 || step.step() == 5 || step.step() == 6;

        atStep(run, 40, "w0", "w1");

        assertEquals(List.of("4/1", "6/1", "7/2"), run.skipped);
        assertEquals(List.of(1L, 2L, 3L, 5L), run.steps.stream().map(StepRecord::stepsDone).toList());
        assertEquals("2 steps in a row (steps 6-7) had a non-finite loss or gradient (train.max-skipped-steps = 2); "
                + "the last checkpoint is intact: try a lower optimizer.lr or a longer warmup", run.failure);
        assertTrue(run.node.stopped());
        assertNull(run.finished);
        assertEquals(List.of(), List.copyOf(run.sent), "nothing is asked of the workers after it");
    }

    @Test
    void ownersThatDisagreeOnSkippingAStepFailTheRun() {
        Harness run = new Harness(0);
        run.skips = (worker, step) -> worker.equals("w1") && step.step() == 2;

        atStep(run, 40, "w0", "w1");

        assertEquals("replicas disagree at step 2: w1 skipped it for a non-finite loss or gradient, w0 did not (loss "
                + "2.0, gradient norm 1.5)", run.failure);
        assertEquals(List.of(), run.skipped);
        assertEquals(2, run.steps.size());
    }

    @Test
    void replicasThatDisagreeAfterAnExpansionFailTheRun() {
        Harness run = atStep(new Harness(0), 0, "w0", "w1");

        run.answer(() -> false, (worker, state) -> worker + state, (worker, step) -> 1.5);

        assertEquals("replicas disagree after the expansion at step 10: {w0=w0220, w1=w1220}", run.failure);
        assertEquals(10, run.steps.size());
    }

    @Test
    void anExpansionWaitsForTheDigestOfEveryHolderAndDeclaresDeadOneThatNeverAnswers() {
        Harness run = new Harness(0);
        run.node.onMembership(new WorkerJoined("w0"));
        run.node.onMembership(new WorkerJoined("w1"));
        run.answerHealthily(() -> !run.pushed.isEmpty() && run.pushed.size() == 2);
        List<Harness.Pushed> pushes = List.copyOf(run.pushed);
        run.pushed.clear();
        assertEquals(List.of("w0", "w1"), pushes.stream().map(Harness.Pushed::worker).toList());

        Harness.Pushed first = pushes.get(0);
        run.node.onMessage(new StatePushed(first.step(), first.round(), "w0", "d"));
        run.node.onMessage(new StatePushed(first.step(), first.round(), "w0", "d")); // a duplicate counts once
        assertEquals(List.of(), run.stepsSent().stream().filter(s -> s.step() == 10).toList(), "step 10 waits");
        assertEquals(PHASE_NANOS, run.delays.get(run.delays.size() - 1));

        int pulls = pulls(run);
        run.deadlinePasses();

        assertEquals(List.of("w1"), run.downed);
        run.answerHealthily(() -> !run.pushed.isEmpty());
        assertEquals(List.of("w0"), run.pushed.stream().map(Harness.Pushed::worker).toList(),
                "the expansion is done again for the holders left");
        // w0 already holds the expanded state: pulled again, it would send that back to be expanded twice
        assertEquals(pulls, pulls(run), "the repeated round pushes the state the first one expanded");
        assertEquals(first.state(), run.pushed.peek().state());
        run.answerHealthily(() -> false);
        assertEquals(40, run.finished.nextStep());
    }

    private static int pulls(Harness run) {
        return (int) run.allSent.stream().filter(sent -> sent.message() instanceof PullState).count();
    }
}
