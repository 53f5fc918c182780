package dev.apollo.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.config.ConfigLoader;
import dev.apollo.coordinator.apollo.LayerMap;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.FailRun;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.RecordSkippedStep;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepRecord;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WaitForWorkers;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CoordinatorCoreTest {

    private static final long STEPS = 60;
    private static final int LAYERS = 12;
    private static final int BATCH = 16;
    private static final long TOKENS_PER_STEP = BATCH * 128L; // tiny's seq-len

    /** Stages 1, 3, 6, 12 starting at steps 0, 10, 20, 30; uniform depths so the early stages really vary. */
    private static final List<String> BASE = List.of(
            "train.steps=" + STEPS,
            "train.batch-size=" + BATCH,
            "train.micro-batch-size=1", // a micro-batch per sequence: workers share steps finely
            "train.seed=7",
            "train.eval-every=7",
            "train.checkpoint-every=25",
            "stages.layers=[1,3,6,12]",
            "stages.boundary-unit=steps",
            "stages.boundaries=[10,20,30]",
            "sampler.kind=uniform");

    private static RunPlan plan(String... overrides) {
        List<String> all = new ArrayList<>(BASE);
        all.addAll(List.of(overrides));
        return RunPlan.from(ConfigLoader.load("tiny", null, all));
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static List<Integer> depths(List<CoreCommand> log) {
        return log.stream().filter(RunStep.class::isInstance).map(c -> ((RunStep) c).depth()).toList();
    }

    private static Map<Long, StepRecord> rowsByStepsDone(CoreDriver run) {
        return run.logged(RecordStep.class).stream().map(RecordStep::record)
                .collect(Collectors.toMap(StepRecord::stepsDone, Function.identity()));
    }

    @Test
    void everyStepRunsExactlyOnceInOrder() {
        CoreDriver run = new CoreDriver(plan()).runToEnd("w0");

        assertEquals(LongStream.range(0, STEPS).boxed().toList(),
                run.logged(RunStep.class).stream().map(RunStep::step).toList());
        assertEquals(LongStream.rangeClosed(1, STEPS).boxed().toList(),
                run.logged(RecordStep.class).stream().map(r -> r.record().stepsDone()).toList());
        assertTrue(run.core().finished());
    }

    @Test
    void commandsComeInThePhaseOrder() {
        CoreDriver run = new CoreDriver(plan()).runToEnd("w0");

        // Written out from the configuration, independently of RunPlan's own cadence checks.
        List<String> expected = new ArrayList<>(List.of("RestoreState")); // the lone worker loads the start state
        for (long step = 0; step < STEPS; step++) {
            if (step == 10 || step == 20 || step == 30) {
                expected.add("ExpandWeights");
            }
            expected.add("RunStep");
            expected.add("RecordStep");
            long done = step + 1;
            if (done % 7 == 0 || done == STEPS) {
                expected.add("Evaluate");
                expected.add("RecordValidation");
            }
            if (done % 25 == 0 || done == STEPS) {
                expected.add("WriteCheckpoint");
            }
        }
        expected.add("FinishRun");
        assertEquals(expected, run.log().stream().map(c -> c.getClass().getSimpleName()).toList());
    }

    @Test
    void expansionsHappenExactlyAtStageStartsWithTheInterpolationCopyMap() {
        RunPlan plan = plan();
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");

        assertEquals(List.of(
                new ExpandWeights(10, 1, 3, List.of(0, 0, 0), "w0", List.of("w0")),
                new ExpandWeights(20, 3, 6, List.of(0, 0, 1, 1, 2, 2), "w0", List.of("w0")),
                new ExpandWeights(30, 6, 12, List.of(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5), "w0", List.of("w0"))),
                run.logged(ExpandWeights.class));
        assertEquals(Arrays.stream(plan.stages().expansionSteps()).boxed().toList(),
                run.logged(ExpandWeights.class).stream().map(ExpandWeights::step).toList());
        // each expansion comes right before the stage's first step, which already runs on the new count
        for (ExpandWeights expansion : run.logged(ExpandWeights.class)) {
            int at = run.log().indexOf(expansion);
            RunStep first = assertInstanceOf(RunStep.class, run.log().get(at + 1));
            assertEquals(expansion.step(), first.step());
            assertEquals(expansion.toWeights(), first.weights());
        }
    }

    @Test
    void stackingWhenConfiguredForSharingAndExpansion() {
        RunPlan plan = plan("stages.sharing=stacking", "stages.expansion=stacking");
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");

        assertEquals(List.of(
                new ExpandWeights(10, 1, 3, List.of(0, 0, 0), "w0", List.of("w0")),
                new ExpandWeights(20, 3, 6, List.of(0, 1, 2, 0, 1, 2), "w0", List.of("w0")),
                new ExpandWeights(30, 6, 12, List.of(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5), "w0", List.of("w0"))),
                run.logged(ExpandWeights.class));
        for (RunStep step : run.logged(RunStep.class)) {
            assertEquals(boxed(LayerMap.stacking(step.weights(), step.depth())), step.layerMap(), step::toString);
        }
    }

    @Test
    void everyStepRunsAtThePlannedDepthThroughTheSharingMap() {
        RunPlan plan = plan();
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");

        for (RunStep step : run.logged(RunStep.class)) {
            int weights = plan.stages().weightsAt(step.step());
            assertEquals(weights, step.weights(), step::toString);
            assertEquals(plan.stages().stageAt(step.step()), step.stage(), step::toString);
            assertTrue(step.depth() >= weights && step.depth() <= LAYERS, step::toString);
            assertEquals(plan.depthAt(step.step(), weights), step.depth(), step::toString);
            assertEquals(boxed(LayerMap.interpolation(weights, step.depth())), step.layerMap(), step::toString);
            assertEquals(plan.learningRate().at(step.step()), step.lr(), step::toString);
        }
        // the sampler does vary the depth before the last stage, so the checks above are not vacuous
        assertTrue(new HashSet<>(depths(run.log()).subList(0, 30)).size() > 4, () -> depths(run.log()).toString());
    }

    @Test
    void theDepthSequenceIsAFunctionOfTheSeedAlone() {
        List<CoreCommand> first = new CoreDriver(plan("train.seed=11")).runToEnd("w0").log();
        List<CoreCommand> again = new CoreDriver(plan("train.seed=11")).runToEnd("w0").log();
        List<CoreCommand> otherSeed = new CoreDriver(plan("train.seed=12")).runToEnd("w0").log();
        List<CoreCommand> moreWorkers = new CoreDriver(plan("train.seed=11")).runToEnd("a", "b", "c").log();

        assertEquals(first, again);
        assertNotEquals(depths(first), depths(otherSeed));
        assertEquals(depths(first), depths(moreWorkers));
    }

    @Test
    void stepRowsCarryCumulativeTokensAndFlops() {
        RunPlan plan = plan();
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");
        List<RunStep> steps = run.logged(RunStep.class);
        List<StepRecord> rows = run.logged(RecordStep.class).stream().map(RecordStep::record).toList();

        assertEquals(TOKENS_PER_STEP, plan.tokensPerStep());
        assertEquals(steps.size(), rows.size());
        double flops = 0;
        for (int i = 0; i < rows.size(); i++) {
            RunStep step = steps.get(i);
            StepRecord row = rows.get(i);
            flops += plan.flops().stepFlops(step.depth());
            assertEquals(new StepRecord(step.step() + 1, step.stage(), step.weights(), step.depth(),
                    CoreDriver.stepLoss(step.step()), CoreDriver.gradNorm(step.step()),
                    step.lr(), (i + 1) * TOKENS_PER_STEP, flops, CoreDriver.WORK_SECONDS), row);
        }
        // sampling below the full depth is what Apollo saves
        assertTrue(flops < plan.scratchFlops());
    }

    @Test
    void evaluatesEveryEvalEveryStepsAndAtTheEnd() {
        RunPlan plan = plan();
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");
        Map<Long, StepRecord> rows = rowsByStepsDone(run);

        List<Evaluate> evaluations = run.logged(Evaluate.class);
        assertEquals(List.of(7L, 14L, 21L, 28L, 35L, 42L, 49L, 56L, 60L),
                evaluations.stream().map(Evaluate::stepsDone).toList());
        for (Evaluate evaluate : evaluations) {
            int weights = plan.stages().weightsAt(evaluate.stepsDone() - 1);
            assertEquals(boxed(LayerMap.interpolation(weights, LAYERS)), evaluate.fullDepthMap());
            assertEquals(boxed(LayerMap.interpolation(weights, weights)), evaluate.stageDepthMap());
        }
        List<RecordValidation> validations = run.logged(RecordValidation.class);
        assertEquals(evaluations.size(), validations.size());
        for (RecordValidation validation : validations) {
            long done = validation.stepsDone();
            StepRecord row = rows.get(done);
            assertEquals(new RecordValidation(done, row.stage(), row.weights(), CoreDriver.fullDepthLoss(done),
                    CoreDriver.stageDepthLoss(done), row.tokens(), row.flops()), validation);
        }
    }

    @Test
    void checkpointsEveryCheckpointEveryStepsAndAtTheEndWithTheSnapshot() {
        RunPlan plan = plan();
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");
        Map<Long, StepRecord> rows = rowsByStepsDone(run);

        List<RunSnapshot> snapshots = run.logged(WriteCheckpoint.class).stream().map(WriteCheckpoint::snapshot).toList();
        assertEquals(List.of(25L, 50L, 60L), snapshots.stream().map(RunSnapshot::nextStep).toList());
        for (RunSnapshot snapshot : snapshots) {
            StepRecord row = rows.get(snapshot.nextStep());
            assertEquals(new RunSnapshot(snapshot.nextStep(), row.stage(), row.weights(), plan.seed(), row.tokens(),
                    row.flops()), snapshot);
        }

        CoreDriver onlyAtTheEnd = new CoreDriver(plan("train.checkpoint-every=0")).runToEnd("w0");
        assertEquals(List.of(60L), onlyAtTheEnd.logged(WriteCheckpoint.class).stream()
                .map(c -> c.snapshot().nextStep()).toList());
    }

    @Test
    void finishRunComesLastWithTheFinalSnapshotAndThenNothingHappens() {
        RunPlan plan = plan();
        CoreDriver run = new CoreDriver(plan).runToEnd("w0");
        StepRecord last = rowsByStepsDone(run).get(STEPS);

        assertEquals(1, run.logged(FinishRun.class).size());
        assertEquals(new FinishRun(new RunSnapshot(STEPS, 3, LAYERS, plan.seed(), STEPS * TOKENS_PER_STEP, last.flops())),
                run.log().get(run.log().size() - 1));
        assertTrue(run.core().finished());
        for (CoreEvent event : run.delivered()) {
            assertEquals(List.of(), run.core().on(event), event::toString);
        }
        assertEquals(List.of(), run.core().on(new WorkerJoined("late")));
        assertEquals(List.of(), run.core().on(new WorkerLeft("w0")));
    }

    /** {@code row} as a skipped step records it: counted like any step, with no loss and no gradient norm. */
    private static StepRecord withoutLoss(StepRecord row) {
        return new StepRecord(row.stepsDone(), row.stage(), row.weights(), row.depth(), Double.NaN, Double.NaN,
                row.lr(), row.tokens(), row.flops(), row.workSeconds());
    }

    @Test
    void aStepEveryOwnerSkippedCountsAsDoneAndChangesNothingThatFollows() {
        List<CoreCommand> clean = new CoreDriver(plan()).runToEnd("w0", "w1").log();
        // two in a row, a normal step, then four in a row: under the default limit of 5 only if the normal step
        // resets the count
        CoreDriver run = new CoreDriver(plan()).skipping(12, 13, 15, 16, 17, 18).runToEnd("w0", "w1");

        Map<Long, Integer> inARowByStepsDone = Map.of(13L, 1, 14L, 2, 16L, 1, 17L, 2, 18L, 3, 19L, 4);
        // the same commands in the same order (steps, depths, rates, shards, evaluations, checkpoints, snapshots),
        // but the skipped steps' rows, which carry no loss
        List<CoreCommand> expected = clean.stream().map(command -> command instanceof RecordStep row
                && inARowByStepsDone.containsKey(row.record().stepsDone())
                ? new RecordSkippedStep(withoutLoss(row.record()), inARowByStepsDone.get(row.record().stepsDone()))
                : command).toList();
        assertEquals(expected, run.log());
        assertTrue(run.core().finished());
        assertEquals(6, run.logged(RecordSkippedStep.class).size());
    }

    @Test
    void tooManyStepsSkippedInARowFailTheRunAtOnceWithoutACheckpoint() {
        // steps 22-24 are rows 23-25, and a checkpoint is due after row 25
        CoreDriver run = new CoreDriver(plan("train.max-skipped-steps=3")).skipping(22, 23, 24).runToEnd("w0", "w1");
        List<CoreCommand> clean = new CoreDriver(plan()).runToEnd("w0", "w1").log();
        StepRecord row25 = clean.stream().filter(RecordStep.class::isInstance).map(c -> ((RecordStep) c).record())
                .filter(row -> row.stepsDone() == 25).findFirst().orElseThrow();

        assertEquals(List.of(new RecordSkippedStep(withoutLoss(row25), 3), new FailRun("3 steps in a row (steps 23-25)"
                + " had a non-finite loss or gradient (train.max-skipped-steps = 3); the last checkpoint is intact: try a"
                + " lower optimizer.lr or a longer warmup")), run.log().subList(run.log().size() - 2, run.log().size()));
        // everything before the last skip is what the run without faults did
        assertEquals(clean.subList(0, run.log().size() - 2).stream().filter(c -> !(c instanceof RecordStep)).toList(),
                run.log().subList(0, run.log().size() - 2).stream()
                        .filter(c -> !(c instanceof RecordStep || c instanceof RecordSkippedStep)).toList());
        assertEquals(List.of(), run.logged(WriteCheckpoint.class), "the checkpoint due after row 25 is not written");
        assertFalse(run.core().finished());
        assertEquals(List.of(), run.core().on(new WorkerJoined("late")));
        for (CoreEvent event : run.delivered()) {
            assertEquals(List.of(), run.core().on(event), event::toString);
        }
    }

    @Test
    void aLimitOfOneStopsAtTheFirstSkippedStep() {
        CoreDriver run = new CoreDriver(plan("train.max-skipped-steps=1")).skipping(5).runToEnd("w0");

        assertEquals(new FailRun("step 6 had a non-finite loss or gradient (train.max-skipped-steps = 1); the last "
                + "checkpoint is intact: try a lower optimizer.lr or a longer warmup"), run.log().get(run.log().size() - 1));
        assertEquals(5, run.logged(RecordStep.class).size());
    }

    @Test
    void lateAndDuplicateEventsChangeNothing() {
        List<CoreCommand> clean = new CoreDriver(plan()).runToEnd("w0", "w1").log();

        CoreDriver noisy = new CoreDriver(plan());
        SplittableRandom random = new SplittableRandom(42);
        noisy.deliver(new WorkerJoined("w0"));
        noisy.deliver(new WorkerJoined("w1"));
        noisy.drain(event -> {
            List<CoreEvent> history = noisy.delivered();
            // the event just handled once more, and one from any earlier point of the run
            for (CoreEvent again : List.of(event, history.get(random.nextInt(history.size())))) {
                assertEquals(List.of(), noisy.core().on(again), () -> "replayed " + again);
            }
        });

        assertEquals(clean, noisy.log());
    }

    @Test
    void stepRepliesFromAnOldStepOrFromOutsideTheShardsAreIgnored() {
        CoreDriver run = new CoreDriver(plan());
        RunStep step = run.runUntilStep(12, "w0", "w1");

        assertEquals(List.of(), run.deliver(new StepCompleted(11, 0, "w0", 8, false, 9.0, 9.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(11, 0, "w1", 8, false, 9.0, 9.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "stranger", 8, false, 9.0, 9.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(13, 0, "w1", 8, false, 9.0, 9.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w0", 8, false, 2.0, 2.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w0", 8, false, 2.0, 2.0, 0.01)));
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 0, "w1", 8, false, 2.0, 2.0, 0.01));

        StepRecord row = assertInstanceOf(RecordStep.class, done.get(0)).record();
        assertEquals(step.step() + 1, row.stepsDone());
        assertEquals(2.0, row.loss(), 1e-12);
    }

    @Test
    void theRecordCarriesTheSlowestWorkersBusyTime() {
        CoreDriver run = new CoreDriver(plan());
        run.runUntilStep(12, "w0", "w1", "w2");

        run.deliver(new StepCompleted(12, 0, "w0", 6, false, 1.0, 3.0, 0.20));
        run.deliver(new StepCompleted(12, 0, "w2", 5, false, 1.0, 3.0, 0.35)); // the straggler
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 0, "w1", 5, false, 1.0, 3.0, 0.30));

        assertEquals(0.35, assertInstanceOf(RecordStep.class, done.get(0)).record().workSeconds(), 0);
    }

    @Test
    void threeWorkersShareTheBatchAndTheStepWaitsForEveryShardOwner() {
        CoreDriver run = new CoreDriver(plan());
        RunStep step = run.runUntilStep(12, "w0", "w1", "w2");

        assertEquals(List.of(new Shard("w0", 0, 6), new Shard("w1", 6, 5), new Shard("w2", 11, 5)), step.shards());
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w2", 5, false, 2.5, 3.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w0", 6, false, 2.5, 3.0, 0.01)));
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 0, "w1", 5, false, 2.5, 3.0, 0.01));

        StepRecord row = assertInstanceOf(RecordStep.class, done.get(0)).record();
        assertEquals(2.5, row.loss(), 0); // the all-reduced loss, the same on every owner
        assertEquals(13, row.stepsDone());
        assertEquals(13, assertInstanceOf(RunStep.class, done.get(done.size() - 1)).step());
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 10, 7, 3, 2, 1})
    void shardsCoverTheGlobalBatchExactlyOnce(int batch) {
        CoreDriver run = new CoreDriver(plan("train.batch-size=" + batch)).runToEnd("w0", "w1", "w2");

        // all three join before the first step (while the first restores the start state) and take part in it
        for (RunStep step : run.logged(RunStep.class)) {
            List<Shard> shards = step.shards();
            assertEquals(Math.min(3, batch), shards.size(), step::toString); // workers beyond the rows wait
            int next = 0;
            for (Shard shard : shards) {
                assertEquals(next, shard.firstMicroBatch(), step::toString);
                assertTrue(shard.microBatches() >= batch / 3 && shard.microBatches() <= batch / 3 + 1,
                        step::toString);
                next += shard.microBatches();
            }
            assertEquals(batch, next, step::toString);
            assertEquals(shards.size(), shards.stream().map(Shard::workerId).distinct().count(), step::toString);
        }
        assertTrue(run.core().finished());
    }

    @Test
    void aWorkerLeavingMidStepGetsTheSameStepReissuedToTheOthers() {
        CoreDriver run = new CoreDriver(plan());
        RunStep step = run.runUntilStep(12, "w0", "w1", "w2");
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w0", 6, false, 1.0, 3.0, 0.01)));

        List<CoreCommand> reissued = run.deliver(new WorkerLeft("w1"));

        assertEquals(List.of(new RunStep(step.step(), 1, step.stage(), step.weights(), step.depth(), step.layerMap(),
                step.lr(), List.of(new Shard("w0", 0, 8), new Shard("w2", 8, 8)))), reissued);
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w1", 5, false, 9.0, 3.0, 0.01))); // it has left
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 1, "w0", 8, false, 2.0, 3.0, 0.01))); // w2 has yet to answer
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 1, "w2", 8, false, 2.0, 3.0, 0.01));
        StepRecord row = assertInstanceOf(RecordStep.class, done.get(0)).record();
        assertEquals(13, row.stepsDone());
        assertEquals(2.0, row.loss(), 1e-12);
        assertEquals(List.of(new Shard("w0", 0, 8), new Shard("w2", 8, 8)),
                assertInstanceOf(RunStep.class, done.get(done.size() - 1)).shards());
    }

    @Test
    void aReplyToTheSupersededSplitIsNotCounted() {
        CoreDriver run = new CoreDriver(plan());
        run.runUntilStep(12, "w0", "w1", "w2");
        run.deliver(new WorkerLeft("w1")); // re-split: w0 takes [0, 8), w2 [8, 16)

        // w0 was still busy with its old shard [0, 6) when the step was re-split; that answer arrives only now
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w0", 6, false, 1.0, 3.0, 0.01)));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 1, "w2", 8, false, 2.0, 3.0, 0.01)));
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 1, "w0", 8, false, 2.0, 3.0, 0.01));

        assertEquals(2.0, assertInstanceOf(RecordStep.class, done.get(0)).record().loss(), 1e-12);
    }

    @Test
    void aWorkerJoiningMidStepIsGivenTheStateAtTheNextBoundaryAndThenShares() {
        CoreDriver run = new CoreDriver(plan());
        RunStep step = run.runUntilStep(12, "w0", "w2");

        assertEquals(List.of(), run.deliver(new WorkerJoined("w1")));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w1", 8, false, 9.0, 3.0, 0.01))); // not an owner yet
        assertEquals(List.of(), run.deliver(new WorkerJoined("w3")));
        assertEquals(List.of(), run.deliver(new WorkerLeft("w3"))); // joined and left between boundaries
        RunStep resplit = assertInstanceOf(RunStep.class, run.deliver(new WorkerLeft("w2")).get(0));
        assertEquals(List.of(new Shard("w0", 0, BATCH)), resplit.shards()); // the newcomer waits for the boundary

        List<CoreCommand> done = run.deliver(new StepCompleted(12, 1, "w0", BATCH, false, 1.0, 3.0, 0.01));
        assertEquals(List.of("RecordStep", "SyncState"), done.stream().map(c -> c.getClass().getSimpleName()).toList());
        assertEquals(new SyncState(13, step.weights(), "w0", List.of("w1")), done.get(1));

        assertEquals(List.of(), run.deliver(new StateSynced(12, "w1"))); // for another boundary
        List<CoreCommand> next = run.deliver(new StateSynced(13, "w1"));
        assertEquals(List.of(new Shard("w0", 0, 8), new Shard("w1", 8, 8)),
                assertInstanceOf(RunStep.class, next.get(0)).shards());
        assertEquals(List.of(), run.deliver(new WorkerJoined("w3"))); // an id that left is never admitted again
    }

    @Test
    void aWorkerLeavingCleanlyFinishesItsStepAndIsReleasedAtTheBoundary() {
        CoreDriver run = new CoreDriver(plan());
        run.runUntilStep(12, "w0", "w1");

        assertEquals(List.of(), run.deliver(new WorkerLeaving("w1")));
        assertEquals(List.of(), run.deliver(new StepCompleted(12, 0, "w0", 8, false, 2.0, 3.0, 0.01)));
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 0, "w1", 8, false, 2.0, 3.0, 0.01));

        assertEquals(2.0, assertInstanceOf(RecordStep.class, done.get(0)).record().loss(), 1e-12); // nothing re-run
        assertEquals(new ReleaseWorker("w1"), done.get(1));
        assertEquals(List.of(new Shard("w0", 0, BATCH)), assertInstanceOf(RunStep.class, done.get(2)).shards());
    }

    @Test
    void theLastMembersLeavingCleanlyAreCheckpointedFirstSoNothingIsLost() {
        CoreDriver run = new CoreDriver(plan());
        run.runUntilStep(12, "w0");
        run.deliver(new WorkerLeaving("w0"));

        List<CoreCommand> done = run.deliver(new StepCompleted(12, 0, "w0", BATCH, false, 1.0, 3.0, 0.01));
        RunSnapshot atThirteen = assertInstanceOf(WriteCheckpoint.class, done.get(1)).snapshot();
        assertEquals(13, atThirteen.nextStep());
        assertEquals(List.of(new ReleaseWorker("w0"), new WaitForWorkers(13, 0, 1)),
                run.deliver(new CheckpointCompleted(13, "w0", "mem")));

        List<CoreCommand> restore = run.deliver(new WorkerJoined("w5"));
        assertEquals(List.of(new RestoreState(atThirteen, List.of("w5"))), restore);
        RunStep resumed = assertInstanceOf(RunStep.class, run.deliver(new StateRestored(13, "w5")).get(0));
        assertEquals(13, resumed.step());
    }

    @Test
    void whenEveryMemberIsGoneTheRunGoesBackToItsLastCheckpoint() {
        RunPlan plan = plan("train.checkpoint-every=10");
        List<CoreCommand> whole = new CoreDriver(plan).runToEnd("w0").log();
        CoreDriver run = new CoreDriver(plan);
        run.runUntilStep(14, "w0");
        RunSnapshot atTen = run.logged(WriteCheckpoint.class).get(0).snapshot();

        // steps 10..13 are lost with the state
        assertEquals(List.of(new WaitForWorkers(10, 0, 1)), run.deliver(new WorkerLeft("w0")));
        assertEquals(List.of(), run.deliver(new StepCompleted(14, 0, "w0", BATCH, false, 1.0, 3.0, 0.01)));
        assertEquals(List.of(new RestoreState(atTen, List.of("w9"))), run.deliver(new WorkerJoined("w9")));
        assertEquals(List.of(), run.deliver(new StateRestored(0, "w9"))); // restored from another snapshot

        run.deliver(new StateRestored(10, "w9"));
        run.drain(event -> { });
        List<CoreCommand> redone = run.log().subList(run.log().indexOf(new RestoreState(atTen, List.of("w9"))) + 1,
                run.log().size());
        // from step 10 on the run is the uninterrupted one, worker names aside
        assertEquals(whole.subList(whole.indexOf(new WriteCheckpoint(atTen, "w0")) + 1, whole.size()).stream()
                        .map(CoordinatorCoreTest::anonymous).toList(),
                redone.stream().map(CoordinatorCoreTest::anonymous).toList());
    }

    @Test
    void belowTheMinimumOfWorkersTheRunPausesAndReRunsTheStepWhenEnoughHaveJoined() {
        CoreDriver run = new CoreDriver(plan("cluster.min-workers=2"));
        assertEquals(List.of(new RestoreState(plan().freshStart(), List.of("w0"))), run.deliver(new WorkerJoined("w0")));
        assertEquals(List.of(new WaitForWorkers(0, 1, 2)), run.deliver(new StateRestored(0, "w0"))); // no step yet
        assertEquals(List.of(new SyncState(0, 1, "w0", List.of("w1"))), run.deliver(new WorkerJoined("w1")));
        RunStep first = assertInstanceOf(RunStep.class, run.deliver(new StateSynced(0, "w1")).get(0));
        assertEquals(2, first.shards().size());

        // one left: the step waits, it is not re-run
        assertEquals(List.of(new WaitForWorkers(0, 1, 2)), run.deliver(new WorkerLeft("w1")));
        assertEquals(List.of(), run.deliver(new StepCompleted(0, 0, "w0", 8, false, 1.0, 3.0, 0.01)));
        assertEquals(List.of(new SyncState(0, 1, "w0", List.of("w2"))), run.deliver(new WorkerJoined("w2")));
        assertEquals(new RunStep(0, 1, first.stage(), first.weights(), first.depth(), first.layerMap(), first.lr(),
                        List.of(new Shard("w0", 0, 8), new Shard("w2", 8, 8))),
                run.deliver(new StateSynced(0, "w2")).get(0));
    }

    @Test
    void workersBeyondTheRowsOfTheBatchWaitUntilARowIsFree() {
        CoreDriver run = new CoreDriver(plan("train.batch-size=2"));
        RunStep step = run.runUntilStep(12, "w0", "w1", "w2");
        assertEquals(List.of(new Shard("w0", 0, 1), new Shard("w1", 1, 1)), step.shards());

        assertEquals(List.of(new Shard("w1", 0, 2)),
                assertInstanceOf(RunStep.class, run.deliver(new WorkerLeft("w0")).get(0)).shards());
        List<CoreCommand> done = run.deliver(new StepCompleted(12, 1, "w1", 2, false, 1.0, 3.0, 0.01));
        assertEquals(new SyncState(13, step.weights(), "w1", List.of("w2")), done.get(1));
    }

    @Test
    void rowsFreedByLeaversGoToWorkersWaitingForOneAtTheSameBoundary() {
        CoreDriver run = new CoreDriver(plan("train.batch-size=2"));
        RunStep step = run.runUntilStep(12, "w0", "w1", "w2"); // w2 waits: two rows
        run.deliver(new WorkerLeaving("w0"));
        run.deliver(new StepCompleted(12, 0, "w0", 1, false, 1.0, 3.0, 0.01));

        List<CoreCommand> done = run.deliver(new StepCompleted(12, 0, "w1", 1, false, 1.0, 3.0, 0.01));
        assertEquals(List.of("RecordStep", "ReleaseWorker", "SyncState"),
                done.stream().map(c -> c.getClass().getSimpleName()).toList());
        assertEquals(new SyncState(13, step.weights(), "w1", List.of("w2")), done.get(2));
    }

    @Test
    void aStepAbandonedBelowTheMinimumAdmitsTheWorkersThatJoinedMeanwhile() {
        CoreDriver run = new CoreDriver(plan("cluster.min-workers=2"));
        RunStep step = run.runUntilStep(12, "w0", "w1");
        assertEquals(List.of(), run.deliver(new WorkerJoined("w2"))); // waits for the boundary

        assertEquals(List.of(new SyncState(12, step.weights(), "w0", List.of("w2"))), run.deliver(new WorkerLeft("w1")));
        RunStep rerun = assertInstanceOf(RunStep.class, run.deliver(new StateSynced(12, "w2")).get(0));
        assertEquals(1, rerun.attempt());
        assertEquals(List.of(new Shard("w0", 0, 8), new Shard("w2", 8, 8)), rerun.shards());
    }

    @Test
    void aSourceLostDuringASyncIsReplacedByAnotherMember() {
        CoreDriver run = new CoreDriver(plan());
        RunStep step = run.runUntilStep(12, "w0", "w1");
        run.deliver(new WorkerJoined("w2"));
        run.deliver(new StepCompleted(12, 0, "w0", 8, false, 2.0, 3.0, 0.01));
        run.deliver(new StepCompleted(12, 0, "w1", 8, false, 1.0, 3.0, 0.01));
        assertEquals(new SyncState(13, step.weights(), "w0", List.of("w2")), run.log().get(run.log().size() - 1));

        assertEquals(List.of(new SyncState(13, step.weights(), "w1", List.of("w2"))), run.deliver(new WorkerLeft("w0")));
        assertEquals(List.of(new Shard("w1", 0, 8), new Shard("w2", 8, 8)),
                assertInstanceOf(RunStep.class, run.deliver(new StateSynced(13, "w2")).get(0)).shards());
    }

    @Test
    void anEvaluationCheckpointOrExpansionInFlightIsAskedForAgainWhenAMemberIsLost() {
        CoreDriver run = new CoreDriver(plan());
        run.runUntilStep(13, "w0", "w1", "w2");
        List<CoreCommand> evaluate = run.deliver(new WorkerLeft("w2")); // nothing in flight but step 13
        assertEquals(1, evaluate.size());

        run.deliver(new StepCompleted(13, 1, "w0", 8, false, 1.0, 3.0, 0.01));
        Evaluate asked = assertInstanceOf(Evaluate.class, run.deliver(new StepCompleted(13, 1, "w1", 8, false, 1.0, 3.0, 0.01)).get(1));
        assertEquals(List.of(asked), run.deliver(new WorkerLeft("w1")));
        assertEquals(List.of(), run.deliver(new StepCompleted(14, 0, "w0", 8, false, 1.0, 3.0, 0.01)));
        assertInstanceOf(RecordValidation.class, run.deliver(new EvaluationCompleted(14, "w0", 3.0, 4.0)).get(0));
        assertEquals(List.of(), run.deliver(new EvaluationCompleted(14, "w0", 3.0, 4.0))); // the first one's late answer
    }

    @Test
    void aCoreResumedFromACheckpointIssuesWhatTheUninterruptedCoreDid() {
        RunPlan plan = plan("train.checkpoint-every=10");
        CoreDriver whole = new CoreDriver(plan).runToEnd("w0");
        List<WriteCheckpoint> checkpoints = whole.logged(WriteCheckpoint.class);
        // 10, 20 and 30 are stage starts: those resumes begin with the expansion
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L, 60L),
                checkpoints.stream().map(c -> c.snapshot().nextStep()).toList());

        for (WriteCheckpoint checkpoint : checkpoints) {
            int at = whole.log().indexOf(checkpoint);
            List<CoreCommand> resumed = new CoreDriver(plan, checkpoint.snapshot()).runToEnd("w0").log();
            if (checkpoint.snapshot().nextStep() < STEPS) { // a finished run needs no worker
                assertEquals(new RestoreState(checkpoint.snapshot(), List.of("w0")), resumed.get(0));
                resumed = resumed.subList(1, resumed.size());
            }
            assertEquals(whole.log().subList(at + 1, whole.log().size()), resumed,
                    () -> "resumed from " + checkpoint.snapshot());
        }
    }

    /** A command with its worker names left out, to compare runs whose members differ. */
    private static String anonymous(CoreCommand command) {
        return command instanceof RunStep step
                ? new RunStep(step.step(), step.attempt(), step.stage(), step.weights(), step.depth(), step.layerMap(),
                        step.lr(), List.of()).toString()
                : command.toString().replaceAll("workerId=\\w+|sourceWorker=\\w+|holders=\\[[^]]*]", "");
    }
}
