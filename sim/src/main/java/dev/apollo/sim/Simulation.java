package dev.apollo.sim;

import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Runs the real {@link CoordinatorCore} against simulated workers on a virtual clock: a queue of timed deliveries
 * and one seeded generator for latencies and faults, so a seed replays a run exactly. Workers hold no tensors: a
 * step takes time proportional to depth times rows and answers with {@link BatchLoss}'s loss of its shard;
 * evaluations, expansions and checkpoints take fixed times. Every command is checked by an
 * {@link InvariantChecker} as it is issued.
 *
 * <p>With faults on, an issued step may lose one of its shard owners partway: the worker crashes (what it was
 * sent or was about to send is lost), the core hears {@link WorkerLeft} after a detection delay, and the worker
 * comes back later as a fresh {@link WorkerJoined}.
 */
public final class Simulation {

    /** Virtual time is in microseconds. One layer over one row of the batch, forward and backward. */
    static final long COMPUTE_PER_LAYER_ROW = 50;
    static final long EVALUATION_TIME = 2_000;
    static final long EXPANSION_TIME = 5_000;
    static final long CHECKPOINT_TIME = 8_000;
    /** Message latency is uniform in [1, MAX_LATENCY]. */
    static final long MAX_LATENCY = 300;
    /** Until the coordinator notices a crashed worker. */
    static final long DETECTION_TIME = 1_000;
    static final long MAX_DOWNTIME = 20_000;
    static final double FAULT_PROBABILITY_PER_STEP = 0.1;
    /** A run that has not finished after this many deliveries is stuck, not slow. */
    static final int MAX_DELIVERIES = 1_000_000;

    private record Timed(long time, long order, Runnable action) {}

    private final RunPlan plan;
    private final CoordinatorCore core;
    private final SplittableRandom random;
    private final boolean faults;
    private final InvariantChecker checker;
    private final PriorityQueue<Timed> queue =
            new PriorityQueue<>(Comparator.comparingLong(Timed::time).thenComparingLong(Timed::order));
    private final TreeSet<String> up = new TreeSet<>();
    private final Map<String, Integer> lives = new HashMap<>(); // a crash starts a worker's next life
    private final List<TraceEntry> trace = new ArrayList<>();
    private final List<CoreCommand> commands = new ArrayList<>();
    private long now;
    private long scheduled;

    private Simulation(RunPlan plan, long seed, boolean faults) {
        this.plan = plan;
        this.core = new CoordinatorCore(plan, plan.freshStart());
        this.random = new SplittableRandom(seed);
        this.faults = faults;
        this.checker = new InvariantChecker(plan, step -> BatchLoss.mean(plan.seed(), step, 0, plan.batchSize()));
    }

    /**
     * Runs {@code plan} from its first step with {@code workers} workers; {@code seed} drives latencies and faults
     * (the plan's own seed still decides depths and data).
     */
    public static SimulationResult run(RunPlan plan, int workers, long seed, boolean faults) {
        return new Simulation(plan, seed, faults).run(workers);
    }

    private SimulationResult run(int workers) {
        for (int i = 0; i < workers; i++) {
            String worker = "w" + i;
            up.add(worker);
            lives.put(worker, 0);
            after(latency(), () -> deliver(new WorkerJoined(worker)));
        }
        int deliveries = 0;
        while (!core.finished() && !queue.isEmpty() && deliveries++ < MAX_DELIVERIES) {
            Timed next = queue.poll();
            now = next.time();
            next.action().run();
        }
        checker.ended();
        return new SimulationResult(trace, commands, now, core.snapshot().nextStep(), checker.violations());
    }

    private void deliver(CoreEvent event) {
        trace.add(new TraceEntry(now, TraceEntry.Kind.EVENT, event.toString()));
        checker.delivered(event);
        for (CoreCommand command : core.on(event)) {
            trace.add(new TraceEntry(now, TraceEntry.Kind.COMMAND, command.toString()));
            commands.add(command);
            checker.issued(command);
            carryOut(command);
        }
    }

    private void carryOut(CoreCommand command) {
        if (command instanceof RunStep step) {
            step.shards().forEach(shard -> send(step, shard));
            if (faults && random.nextDouble() < FAULT_PROBABILITY_PER_STEP) {
                crashPartway(step);
            }
        } else if (command instanceof Evaluate evaluate) {
            long done = evaluate.stepsDone();
            after(EVALUATION_TIME, () -> deliver(new EvaluationCompleted(done, 3.0 + 1.0 / done, 4.0 + 1.0 / done)));
        } else if (command instanceof ExpandWeights expand) {
            after(EXPANSION_TIME, () -> deliver(new ExpansionCompleted(expand.step(), expand.toWeights(), "sim")));
        } else if (command instanceof WriteCheckpoint checkpoint) {
            long next = checkpoint.snapshot().nextStep();
            after(CHECKPOINT_TIME, () -> deliver(new CheckpointCompleted(next, "sim://checkpoint/" + next, "sim")));
        }
        // RecordStep, RecordValidation and FinishRun only log, and the trace already holds them
    }

    /** The step reaches the worker, is computed, and the answer travels back, unless the worker crashes first. */
    private void send(RunStep step, Shard shard) {
        String worker = shard.workerId();
        int life = lives.get(worker);
        long compute = COMPUTE_PER_LAYER_ROW * step.depth() * shard.rowCount();
        StepCompleted answer = new StepCompleted(step.step(), step.attempt(), worker, shard.rowCount(),
                BatchLoss.mean(plan.seed(), step.step(), shard.firstRow(), shard.rowCount()), 1.0 + step.step());
        after(latency(), () -> {
            if (alive(worker, life)) {
                after(compute, () -> {
                    if (alive(worker, life)) {
                        after(latency(), () -> deliver(answer));
                    }
                });
            }
        });
    }

    private void crashPartway(RunStep step) {
        List<String> owners = step.shards().stream().map(Shard::workerId).filter(up::contains).toList();
        if (owners.isEmpty()) {
            return;
        }
        String victim = owners.get(random.nextInt(owners.size()));
        long stepTime = COMPUTE_PER_LAYER_ROW * step.depth() * plan.batchSize() / step.shards().size();
        after(1 + random.nextLong(stepTime + 2 * MAX_LATENCY), () -> crash(victim));
    }

    private void crash(String worker) {
        if (!up.remove(worker)) {
            return;
        }
        lives.merge(worker, 1, Integer::sum);
        trace.add(new TraceEntry(now, TraceEntry.Kind.FAULT, "crash " + worker));
        after(DETECTION_TIME, () -> deliver(new WorkerLeft(worker)));
        after(DETECTION_TIME + 1 + random.nextLong(MAX_DOWNTIME), () -> {
            up.add(worker);
            trace.add(new TraceEntry(now, TraceEntry.Kind.FAULT, "restart " + worker));
            after(latency(), () -> deliver(new WorkerJoined(worker)));
        });
    }

    private boolean alive(String worker, int life) {
        return up.contains(worker) && lives.get(worker) == life;
    }

    private long latency() {
        return 1 + random.nextLong(MAX_LATENCY);
    }

    private void after(long delay, Runnable action) {
        queue.add(new Timed(now + delay, scheduled++, action));
    }
}
