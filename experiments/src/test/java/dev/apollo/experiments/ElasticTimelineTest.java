package dev.apollo.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.apollo.run.MetricsLog;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The join and recovery figures and the undisturbed step time, read off a coordinator's metrics rows. */
class ElasticTimelineTest {

    private static final double T0 = 1_796_131_460.0;

    @Test
    void aJoinRunsFromTheRequestToTheNewWorkersFirstStepAndARecoveryFromTheKillToTheNextStep() {
        ElasticTimeline timeline = run();

        assertEquals(Optional.of("worker-0"), timeline.offeredSince(T0));
        assertEquals(Optional.of("worker-1"), timeline.offeredSince(T0 + 20));
        ElasticTimeline.Join join = timeline.join(T0 + 20).orElseThrow();
        assertEquals(new ElasticTimeline.Join("worker-1", T0 + 20, T0 + 26.5, T0 + 29, T0 + 30, T0 + 32.5), join);
        assertEquals(6.0, join.seconds(), 1e-6);
        ElasticTimeline.Recovery recovery = timeline.recovery("worker-0", T0 + 37.2).orElseThrow();
        assertEquals(new ElasticTimeline.Recovery("worker-0", T0 + 37.2, T0 + 51.2, T0 + 52.3), recovery);
        assertEquals(15.1, recovery.seconds(), 1e-6);
        assertEquals(3, timeline.stepsSince(T0 + 52.3));
    }

    @Test
    void aFigureIsThereOnlyOnceTheStepThatEndsItIs() {
        ElasticTimeline timeline = new ElasticTimeline();
        timeline.add(worker("offered", "worker-1", 10, 6.5));
        timeline.add(worker("joined", "worker-1", 10, 9));
        timeline.add(train(11, 9.5)); // a step the newcomer had no part in
        timeline.add(worker("admitted", "worker-1", 11, 10));
        assertTrue(timeline.join(T0).isEmpty());
        timeline.add(train(12, 12.5));
        assertEquals(T0 + 12.5, timeline.join(T0).orElseThrow().firstStep(), 1e-6);

        timeline.add(worker("lost", "worker-0", 12, 30));
        assertTrue(timeline.recovery("worker-0", T0 + 15).isEmpty());
        assertTrue(timeline.recovery("worker-0", T0 + 31).isEmpty(), "a loss before the kill is not its own");
        timeline.add(train(13, 31));
        assertEquals(T0 + 31, timeline.recovery("worker-0", T0 + 15).orElseThrow().firstStep(), 1e-6);
    }

    @Test
    void theStepTimeLeavesOutTheWarmUpJoinsAndRecoveriesAndCountsTheWorkers() {
        ElasticTimeline timeline = run();
        List<ElasticTimeline.Join> joins = List.of(timeline.join(T0 + 20).orElseThrow());
        List<ElasticTimeline.Recovery> recoveries = List.of(timeline.recovery("worker-0", T0 + 37.2).orElseThrow());

        // one worker: from step 3 until the launch at +20 (1.0, 1.2, 1.1, 1.1, 1.2 s) and after the recovery (0.9,
        // 1.3 s)
        assertEquals(1.1, timeline.medianStepSeconds(1, 3, joins, recoveries).orElseThrow(), 1e-6);
        // two workers: from the newcomer's first step until the kill (0.5, 0.7, 0.6, 0.6 s)
        assertEquals(0.6, timeline.medianStepSeconds(2, 3, joins, recoveries).orElseThrow(), 1e-6);
        assertTrue(timeline.medianStepSeconds(3, 3, joins, recoveries).isEmpty());
        // without the windows, the slow steps of the join (2.9, 2.5, 3.5 s) and of the recovery (17.4 s) count too
        assertEquals(1.2, timeline.medianStepSeconds(1, 3, List.of(), List.of()).orElseThrow(), 1e-6);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.0, ElasticTimeline.median(new double[] {3, 1, 2}).orElseThrow(), 1e-12);
        assertEquals(2.5, ElasticTimeline.median(new double[] {4, 1, 3, 2}).orElseThrow(), 1e-12);
        assertTrue(ElasticTimeline.median(new double[0]).isEmpty());
    }

    /**
     * One worker from the start (slow first steps), a second launched at +20 s that joins and takes its first step
     * at +32.5, the first killed at +37.2, declared lost at +51.2, and the run's next step at +52.3.
     */
    private static ElasticTimeline run() {
        ElasticTimeline timeline = new ElasticTimeline();
        timeline.add(worker("offered", "worker-0", 0, 3));
        timeline.add(worker("joined", "worker-0", 0, 4));
        double[] oneWorker = {8, 11, 13, 14, 15.2, 16.3, 17.4, 18.6}; // steps 1-8
        for (int i = 0; i < oneWorker.length; i++) {
            timeline.add(train(i + 1, oneWorker[i]));
        }
        timeline.add(train(9, 21.5)); // the newcomer's JVM starts
        timeline.add(train(10, 24));
        timeline.add(worker("offered", "worker-1", 10, 26.5));
        timeline.add(train(11, 27.5));
        timeline.add(worker("joined", "worker-1", 11, 29));
        timeline.add(train(12, 30));
        timeline.add(worker("admitted", "worker-1", 12, 30));
        timeline.add(train(13, 32.5));
        timeline.add(train(14, 33.0));
        timeline.add(train(15, 33.7));
        timeline.add(train(16, 34.3));
        timeline.add(train(17, 34.9));
        timeline.add(worker("lost", "worker-0", 17, 51.2));
        timeline.add(rerun(17, 51.2));
        timeline.add(train(18, 52.3));
        timeline.add(train(19, 53.2));
        timeline.add(train(20, 54.5));
        return timeline;
    }

    private static JsonObject train(long step, double at) {
        return MetricsLog.parse(String.format(Locale.ROOT,
                "{\"type\":\"train\",\"step\":%d,\"loss\":3.1,\"wall\":%.3f,\"time\":%.3f}", step, at, T0 + at));
    }

    private static JsonObject worker(String event, String id, long step, double at) {
        return MetricsLog.parse(String.format(Locale.ROOT, "{\"type\":\"worker\",\"step\":%d,\"wall\":%.3f,"
                + "\"time\":%.3f,\"event\":\"%s\",\"worker\":\"%s\"}", step, at, T0 + at, event, id));
    }

    private static JsonObject rerun(long step, double at) {
        return MetricsLog.parse(String.format(Locale.ROOT, "{\"type\":\"rerun\",\"step\":%d,\"wall\":%.3f,"
                + "\"time\":%.3f,\"attempt\":1,\"lostSeconds\":14.0}", step, at, T0 + at));
    }
}
