package dev.apollo.coordinator.core;

import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Plays a healthy cluster around a {@link CoordinatorCore}: every command is answered in order (one StepCompleted
 * per shard, and so on), and every command the core issues is kept in {@link #log()}. Steps named by
 * {@link #skipping} are answered as every owner answers a step whose sum was not finite.
 */
final class CoreDriver {

    private final CoordinatorCore core;
    private final List<CoreCommand> log = new ArrayList<>();
    private final List<CoreEvent> delivered = new ArrayList<>();
    private final Deque<CoreEvent> replies = new ArrayDeque<>();
    private final Set<Long> skippedSteps = new HashSet<>();

    CoreDriver(RunPlan plan, RunSnapshot start) {
        this.core = new CoordinatorCore(plan, start);
    }

    CoreDriver(RunPlan plan) {
        this(plan, plan.freshStart());
    }

    /** Every owner of these steps (by index) reports them skipped: their loss or gradient was not finite. */
    CoreDriver skipping(long... steps) {
        for (long step : steps) {
            skippedSteps.add(step);
        }
        return this;
    }

    /** Delivers one event and queues the answers to the commands it caused; returns those commands. */
    List<CoreCommand> deliver(CoreEvent event) {
        List<CoreCommand> commands = core.on(event);
        delivered.add(event);
        log.addAll(commands);
        for (CoreCommand command : commands) {
            replies.addAll(answers(command));
        }
        return commands;
    }

    /** Joins the workers (in this order) and answers everything until the core has nothing left to ask. */
    CoreDriver runToEnd(String... workers) {
        for (String worker : workers) {
            deliver(new WorkerJoined(worker));
        }
        return drain(event -> {});
    }

    /** Answers queued commands until none are left, calling {@code afterEach} with each event once delivered. */
    CoreDriver drain(Consumer<CoreEvent> afterEach) {
        while (!replies.isEmpty()) {
            CoreEvent event = replies.poll();
            deliver(event);
            afterEach.accept(event);
        }
        return this;
    }

    /**
     * Joins the workers (in this order) and answers everything until the core issues the RunStep for {@code step};
     * that step is left unanswered, for the test to answer by hand.
     */
    RunStep runUntilStep(long step, String... workers) {
        List<CoreEvent> events = new ArrayList<>();
        for (String worker : workers) {
            events.add(new WorkerJoined(worker));
        }
        while (!events.isEmpty() || !replies.isEmpty()) {
            CoreEvent event = events.isEmpty() ? replies.poll() : events.remove(0);
            for (CoreCommand command : deliver(event)) {
                if (command instanceof RunStep run && run.step() == step) {
                    replies.clear();
                    return run;
                }
            }
        }
        throw new AssertionError("the core never issued step " + step);
    }

    CoordinatorCore core() {
        return core;
    }

    List<CoreCommand> log() {
        return log;
    }

    List<CoreEvent> delivered() {
        return delivered;
    }

    <T extends CoreCommand> List<T> logged(Class<T> type) {
        return log.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The busy time every healthy worker reports for its part of a step. */
    static final double WORK_SECONDS = 0.25;

    /** What a healthy cluster answers to {@code command}. */
    private List<CoreEvent> answers(CoreCommand command) {
        if (command instanceof RunStep step) {
            boolean skipped = skippedSteps.contains(step.step());
            return step.shards().stream()
                    .<CoreEvent>map(shard -> new StepCompleted(step.step(), step.attempt(), shard.workerId(),
                            shard.microBatches(), skipped, skipped ? Double.NaN : stepLoss(step.step()),
                            skipped ? Double.NaN : gradNorm(step.step()), WORK_SECONDS))
                    .toList();
        } else if (command instanceof Evaluate evaluate) {
            return List.of(new EvaluationCompleted(evaluate.stepsDone(), evaluate.workerId(),
                    fullDepthLoss(evaluate.stepsDone()),
                    stageDepthLoss(evaluate.stepsDone())));
        } else if (command instanceof ExpandWeights expand) {
            return List.of(new ExpansionCompleted(expand.step(), expand.toWeights(), "digest@" + expand.step()));
        } else if (command instanceof WriteCheckpoint checkpoint) {
            long next = checkpoint.snapshot().nextStep();
            return List.of(new CheckpointCompleted(next, checkpoint.workerId(), "mem://checkpoint/" + next));
        } else if (command instanceof SyncState sync) {
            return sync.targets().stream().<CoreEvent>map(id -> new StateSynced(sync.step(), id)).toList();
        } else if (command instanceof RestoreState restore) {
            return restore.workers().stream()
                    .<CoreEvent>map(id -> new StateRestored(restore.snapshot().nextStep(), id)).toList();
        }
        return List.of(); // RecordStep, RecordValidation, ReleaseWorker and FinishRun need no answer
    }

    /** A made-up loss that differs per step: the all-reduced one, the same on every shard owner. */
    static double stepLoss(long step) {
        return 5.0 / (1 + step);
    }

    static double gradNorm(long step) {
        return 1.0 + step * 0.5;
    }

    static double fullDepthLoss(long stepsDone) {
        return 3.0 + 1.0 / stepsDone;
    }

    static double stageDepthLoss(long stepsDone) {
        return 4.0 + 1.0 / stepsDone;
    }
}
