package dev.apollo.coordinator.node;

import dev.apollo.coordinator.core.Core;
import dev.apollo.protocol.CheckpointCompleted;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.Evaluate;
import dev.apollo.protocol.EvaluationCompleted;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.ExpansionCompleted;
import dev.apollo.protocol.FailRun;
import dev.apollo.protocol.FinishRun;
import dev.apollo.protocol.JoinAccepted;
import dev.apollo.protocol.JoinRefused;
import dev.apollo.protocol.LeaveOrdered;
import dev.apollo.protocol.LeaveRequested;
import dev.apollo.protocol.PullState;
import dev.apollo.protocol.RecordSkippedStep;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RecordValidation;
import dev.apollo.protocol.ReleaseWorker;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePulled;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.StateRestored;
import dev.apollo.protocol.StateSynced;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.protocol.StepStalled;
import dev.apollo.protocol.SyncState;
import dev.apollo.protocol.WaitForWorkers;
import dev.apollo.protocol.WorkerFailed;
import dev.apollo.protocol.WorkerJoined;
import dev.apollo.protocol.WorkerLeaving;
import dev.apollo.protocol.WorkerLeft;
import dev.apollo.protocol.WriteCheckpoint;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator process around its {@link Core}, written once for the real run and the simulator: it hands
 * what arrives to the core and carries out the core's commands over a {@link Transport}, runs the expansion round
 * (pull the state from one holder, expand it, push it to every holder, which must all report the same digest),
 * checks that replicas agree, and bounds every wait with a deadline from its {@link Timers}.
 *
 * <p>Failure detection. Every command in flight has a deadline. When it passes, the workers that still owe a
 * reply are declared dead ({@link Transport#down}, then {@link WorkerLeft} to the core, which re-runs the step
 * or asks again of the others). Of a step's owners, one that said its gradient exchange is waiting on peers
 * ({@link StepStalled}) is alive, so only the silent ones are; if none is silent the ring itself is stuck and all
 * owners are. Below the minimum of workers the run waits for joins, bounded too: past it the run fails.
 *
 * <p>The start gate. Workers that join before the run starts are held, not told to the core, until as many as the
 * run starts with are there: the first step is then sharded over all of them. That wait is bounded like any other.
 *
 * <p>Checkpoints. A worker that sends the canonical state on the tensor plane instead of writing it reports a
 * checkpoint with no location: the node has the transport write it, and a write that fails fails the run (the
 * checkpoint before it stays whole).
 *
 * <p>Single-threaded: the adapter calls it from one thread (an actor, or the simulator's event loop). Time enters
 * only as {@link #onDeadline}, so a simulated seed replays what happens when a worker is late or silent.
 *
 * @param <S> a replica's state as the transport carries it
 */
public final class CoordinatorNode<S> {

    /** Expands a pulled state by an expansion's copy map: tensors in a real run, a digest in the simulator. */
    @FunctionalInterface
    public interface Expander<S> {
        S expand(S state, ExpandWeights expansion);
    }

    private final Core core;
    private final Transport<S> transport;
    private final Timers timers;
    private final Expander<S> expander;
    private final NodeDeadlines deadlines;
    private final RunListener listener;
    /** The command whose replies are awaited: a step, evaluation, checkpoint, expansion, sync or restore. */
    private CoreCommand inFlight;
    /** The workers that owe {@link #inFlight} a reply. */
    private final TreeSet<String> owed = new TreeSet<>();
    /** Owners of the step attempt in flight that said they are alive, waiting on peers. */
    private final Set<String> stalled = new HashSet<>();
    /** Digests of the expanded state, by holder, in the expansion round in flight. */
    private final TreeMap<String, String> digests = new TreeMap<>();
    /** The first reply to the step attempt in flight: its loss, gradient norm and skip, and who reported it. */
    private StepCompleted firstNorm;
    private long expansionRound;
    private boolean expandedStatePushed;
    /**
     * The state the expansion in progress produced, kept until it completes: a round repeated after a holder was
     * lost pushes it again instead of pulling one, since a holder may already hold it and would send it back to be
     * expanded twice.
     */
    private S expanded;
    private ExpandWeights expandedBy;
    private WaitForWorkers waiting;
    private Deadline repliesDeadline;
    private Deadline workersDeadline;
    private long deadlinesSet;
    /** Why the last worker was declared dead, for the reason a run that cannot go on gives. */
    private String lastLoss;
    /** Workers joined while the start gate is shut; null once it opened. */
    private TreeSet<String> held;
    private int startingWorkers;
    private long startStep;
    /** Joiners the transport refused, with why, for the reason a run that never started gives. */
    private final List<String> refusals = new ArrayList<>();
    private boolean stopped;
    private RunSnapshot finalSnapshot;
    private String failure;

    public CoordinatorNode(Core core, Transport<S> transport, Timers timers, Expander<S> expander,
            NodeDeadlines deadlines, RunListener listener) {
        this.core = core;
        this.transport = transport;
        this.timers = timers;
        this.expander = expander;
        this.deadlines = deadlines;
        this.listener = listener;
    }

    /**
     * Shuts the start gate until {@code workers} have joined, within {@link NodeDeadlines#startNanos}; {@code start}
     * is where the run is.
     */
    public void start(RunSnapshot start, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("a run starts with at least one worker, not " + workers);
        }
        held = new TreeSet<>();
        startingWorkers = workers;
        startStep = start.nextStep();
        workersDeadline = new Deadline(Deadline.Kind.WORKERS, ++deadlinesSet);
        timers.start(workersDeadline, deadlines.startNanos());
    }

    /** Whether the run is over: finished, or failed with its reason given to the listener. */
    public boolean stopped() {
        return stopped;
    }

    /** The snapshot the run finished at, or null if it has not finished. */
    public RunSnapshot finalSnapshot() {
        return finalSnapshot;
    }

    /** Why the run stopped before its end, on one line, or null if it did not. */
    public String failure() {
        return failure;
    }

    /** A membership change the transport saw: a worker joined, asked to leave or is gone. */
    public void onMembership(CoreEvent event) {
        if (held != null && !stopped) {
            hold(event);
        } else if (event instanceof WorkerJoined || event instanceof WorkerLeaving || event instanceof WorkerLeft) {
            if (event instanceof WorkerJoined joined) {
                listener.onWorker(RunListener.WorkerEvent.JOINED, joined.workerId());
            } else if (event instanceof WorkerLeft left) {
                listener.onWorker(RunListener.WorkerEvent.LOST, left.workerId());
            }
            deliver(event);
        } else {
            throw new IllegalArgumentException("not a membership change: " + event);
        }
    }

    /** Behind the start gate: the joined wait, and one that goes before the run starts goes at once. */
    private void hold(CoreEvent event) {
        if (event instanceof WorkerJoined joined) {
            if (held.add(joined.workerId())) {
                listener.onWorker(RunListener.WorkerEvent.JOINED, joined.workerId());
            }
            if (held.size() >= startingWorkers) {
                openStartGate();
            }
        } else if (event instanceof WorkerLeaving leaving) {
            if (held.remove(leaving.workerId())) {
                transport.send(leaving.workerId(), new ReleaseWorker(leaving.workerId()));
                listener.onWorker(RunListener.WorkerEvent.RELEASED, leaving.workerId());
            }
        } else if (event instanceof WorkerLeft left) {
            if (held.remove(left.workerId())) {
                listener.onWorker(RunListener.WorkerEvent.LOST, left.workerId());
            }
        } else {
            throw new IllegalArgumentException("not a membership change: " + event);
        }
    }

    /** Every worker the run starts with joined: the core hears of them all, in order, and the run begins. */
    private void openStartGate() {
        List<String> joined = List.copyOf(held);
        held = null;
        waitForWorkers(new WaitForWorkers(startStep, 0, startingWorkers));
        for (String workerId : joined) {
            deliver(new WorkerJoined(workerId));
        }
    }

    /** A worker's reply on the control plane; the state for an expansion comes through {@link #onStatePulled}. */
    public void onMessage(CoordinatorMessage message) {
        if (stopped) {
            return;
        }
        if (message instanceof JoinRefused refused) {
            refusals.add(refused.workerId() + ": " + refused.reason());
            return;
        }
        if (held != null) {
            return; // nothing was asked yet: whatever this answers, it is not this run's
        }
        // Java 17: no pattern switch yet; the sealed interface keeps this list complete.
        if (message instanceof StepCompleted done) {
            onStepCompleted(done);
        } else if (message instanceof StepStalled stall) {
            if (isCurrentAttempt(stall.step(), stall.attempt()) && owed.contains(stall.workerId())) {
                stalled.add(stall.workerId());
            }
        } else if (message instanceof EvaluationCompleted evaluated) {
            if (inFlight instanceof Evaluate evaluate && evaluate.stepsDone() == evaluated.stepsDone()) {
                owed.remove(evaluated.workerId());
            }
            deliver(evaluated);
        } else if (message instanceof CheckpointCompleted checkpointed) {
            onCheckpointCompleted(checkpointed);
        } else if (message instanceof StatePushed pushed) {
            onStatePushed(pushed);
        } else if (message instanceof StateSynced synced) {
            if (inFlight instanceof SyncState sync && sync.step() == synced.step()
                    && owed.remove(synced.workerId())) { // owed by the targets only, and counted once
                listener.onWorker(RunListener.WorkerEvent.ADMITTED, synced.workerId());
            }
            deliver(synced);
        } else if (message instanceof StateRestored restored) {
            if (inFlight instanceof RestoreState restore && restore.snapshot().nextStep() == restored.nextStep()) {
                owed.remove(restored.workerId());
            }
            deliver(restored);
        } else if (message instanceof WorkerFailed failed) {
            fail("worker " + failed.workerId() + ": " + failed.message());
        } else if (message instanceof StatePulled) {
            throw new IllegalArgumentException("a pulled state arrives through onStatePulled, on the tensor plane");
        } else if (message instanceof JoinAccepted || message instanceof LeaveRequested
                || message instanceof LeaveOrdered) {
            throw new IllegalArgumentException("the join handshake is the transport's: a worker joins the node once "
                    + "accepted, as a membership change");
        }
    }

    /** The state of {@code workerId} for expansion round {@code round}: expanded here and pushed to every holder. */
    public void onStatePulled(String workerId, long step, long round, S state) {
        if (stopped || !(inFlight instanceof ExpandWeights expansion) || round != expansionRound
                || step != expansion.step() || expandedStatePushed || !owed.remove(workerId)) {
            return;
        }
        try {
            expanded = expander.expand(state, expansion);
            expandedBy = expansion;
        } catch (RuntimeException e) {
            fail("expanding the state of " + workerId + " at step " + step + " failed: " + e.getMessage());
            return;
        }
        pushExpanded(expansion);
    }

    /** The expanded state goes to every holder, which each owe its digest. */
    private void pushExpanded(ExpandWeights expansion) {
        expandedStatePushed = true;
        expect(expansion, expansion.holders(), deadlines.phaseNanos());
        for (String holder : expansion.holders()) {
            transport.push(holder, expansion.step(), expansionRound, expansion.toWeights(), expanded);
        }
    }

    /** Whether {@code expansion} repeats the one whose state is kept (the same step and weights). */
    private boolean expandedAlready(ExpandWeights expansion) {
        return expanded != null && expandedBy.step() == expansion.step()
                && expandedBy.fromWeights() == expansion.fromWeights() && expandedBy.toWeights() == expansion.toWeights();
    }

    /** A deadline the node set has passed. */
    public void onDeadline(Deadline deadline) {
        if (stopped) {
            return;
        }
        if (deadline.equals(repliesDeadline) && inFlight != null) {
            if (owed.isEmpty()) { // every reply came and the core did not move on: a bug, not a wait
                fail("stuck: every reply to " + describe(inFlight) + " arrived, and nothing followed");
            } else {
                repliesMissing();
            }
        } else if (deadline.equals(workersDeadline) && held != null) {
            fail(held.size() + " of " + startingWorkers + " workers joined within " + seconds(deadlines.startNanos())
                    + " (cluster.join-timeout)" + (refusals.isEmpty() ? "" : "; refused: " + String.join("; ", refusals)));
        } else if (deadline.equals(workersDeadline) && waiting != null) {
            fail((lastLoss == null ? "" : lastLoss + "; ") + "fewer than cluster.min-workers (" + waiting.needed()
                    + ") workers hold the run's state at step " + waiting.nextStep()
                    + (deadlines.joinNanos() == 0 ? " and this run takes no new workers"
                            : " and none joined within " + seconds(deadlines.joinNanos()) + " (cluster.join-timeout)"));
        }
    }

    private boolean isCurrentAttempt(long step, int attempt) {
        return inFlight instanceof RunStep running && running.step() == step && running.attempt() == attempt;
    }

    private void onStepCompleted(StepCompleted done) {
        if (isCurrentAttempt(done.step(), done.attempt()) && owed.remove(done.workerId())) {
            // every replica reduced the same sum: a skip, loss or norm that differs means the replicas have diverged
            if (firstNorm == null) {
                firstNorm = done;
            } else if (firstNorm.skipped() != done.skipped()) {
                StepCompleted skipper = done.skipped() ? done : firstNorm;
                StepCompleted other = done.skipped() ? firstNorm : done;
                fail("replicas disagree at step " + done.step() + ": " + skipper.workerId() + " skipped it for a "
                        + "non-finite loss or gradient, " + other.workerId() + " did not (loss " + other.loss()
                        + ", gradient norm " + other.gradNorm() + ")");
                return;
            } else if (Double.compare(firstNorm.gradNorm(), done.gradNorm()) != 0
                    || Double.compare(firstNorm.loss(), done.loss()) != 0) {
                fail("replicas disagree at step " + done.step() + ": loss " + firstNorm.loss() + ", gradient norm "
                        + firstNorm.gradNorm() + " on " + firstNorm.workerId() + ", loss " + done.loss()
                        + ", gradient norm " + done.gradNorm() + " on " + done.workerId());
                return;
            }
        }
        deliver(done);
    }

    private void onCheckpointCompleted(CheckpointCompleted checkpointed) {
        if (!(inFlight instanceof WriteCheckpoint checkpoint)
                || checkpoint.snapshot().nextStep() != checkpointed.nextStep() || !owed.remove(checkpointed.workerId())) {
            return; // late, or from a worker asked before it was declared dead: the one asked since writes it
        }
        if (checkpointed.location().isEmpty()) { // the state came on the tensor plane: written here
            try {
                String location = transport.writeCheckpoint(checkpointed.workerId(), checkpoint.snapshot());
                checkpointed = new CheckpointCompleted(checkpointed.nextStep(), checkpointed.workerId(), location);
            } catch (Exception e) {
                fail("writing the checkpoint at step " + checkpointed.nextStep() + " failed: " + e.getMessage());
                return;
            }
        }
        try {
            listener.onCheckpoint(checkpointed.nextStep(), checkpointed.location());
        } catch (RuntimeException e) {
            fail("recording the checkpoint failed: " + e.getMessage());
            return;
        }
        deliver(checkpointed);
    }

    private void onStatePushed(StatePushed pushed) {
        if (!(inFlight instanceof ExpandWeights expansion) || pushed.round() != expansionRound || !expandedStatePushed
                || !owed.remove(pushed.workerId())) {
            return;
        }
        digests.put(pushed.workerId(), pushed.digest());
        if (!owed.isEmpty()) {
            return;
        }
        if (new HashSet<>(digests.values()).size() != 1) {
            fail("replicas disagree after the expansion at step " + expansion.step() + ": " + digests);
            return;
        }
        expanded = null;
        expandedBy = null;
        deliver(new ExpansionCompleted(expansion.step(), expansion.toWeights(), digests.firstEntry().getValue()));
    }

    /**
     * The deadline of the command in flight passed with replies owed: declare dead who owes them. A step's owners
     * that said they wait on peers are spared unless every owner did (then the ring itself is stuck). A copy no
     * newcomer received may be the source's fault: the source goes too.
     */
    private void repliesMissing() {
        TreeSet<String> blamed = new TreeSet<>(owed);
        if (inFlight instanceof RunStep) {
            blamed.removeAll(stalled);
            if (blamed.isEmpty()) {
                blamed.addAll(owed);
            }
        } else if (inFlight instanceof SyncState sync && owed.containsAll(sync.targets())) {
            blamed.add(sync.sourceWorker());
        }
        String why = " did not answer " + describe(inFlight) + " within "
                + (inFlight instanceof RunStep ? seconds(deadlines.stepNanos()) + " (cluster.step-timeout)"
                        : seconds(deadlines.phaseNanos()) + " (cluster.phase-timeout)");
        Deadline missed = repliesDeadline;
        for (String worker : blamed) {
            if (stopped) {
                return;
            }
            lastLoss = worker + why;
            transport.down(worker);
            listener.onWorker(RunListener.WorkerEvent.LOST, worker);
            deliver(new WorkerLeft(worker));
        }
        if (!stopped && inFlight != null && repliesDeadline.equals(missed)) { // still the same command: the rest
            owed.removeAll(blamed);
            if (owed.isEmpty()) {
                fail("stuck: the core still waits on " + describe(inFlight) + " after every worker owing it was lost");
            } else {
                repliesDeadline = new Deadline(Deadline.Kind.REPLIES, ++deadlinesSet);
                timers.start(repliesDeadline, inFlight instanceof RunStep ? deadlines.stepNanos() : deadlines.phaseNanos());
            }
        }
    }

    private static String describe(CoreCommand command) {
        if (command instanceof RunStep step) {
            return "step " + step.step() + " (attempt " + step.attempt() + ")";
        } else if (command instanceof Evaluate evaluate) {
            return "the evaluation after step " + evaluate.stepsDone();
        } else if (command instanceof WriteCheckpoint checkpoint) {
            return "the checkpoint before step " + checkpoint.snapshot().nextStep();
        } else if (command instanceof ExpandWeights expansion) {
            return "the expansion at step " + expansion.step();
        } else if (command instanceof SyncState sync) {
            return "the copy of the state before step " + sync.step() + " from " + sync.sourceWorker();
        } else if (command instanceof RestoreState restore) {
            return "the restore of the state before step " + restore.snapshot().nextStep();
        }
        return command.toString();
    }

    private void deliver(CoreEvent event) {
        if (stopped) {
            return;
        }
        List<CoreCommand> commands;
        try {
            commands = core.on(event);
        } catch (RuntimeException e) {
            fail("the coordinator's core failed on " + event + ": " + e.getMessage());
            return;
        }
        try {
            carryOut(commands);
        } catch (RuntimeException e) {
            fail("recording the run failed: " + e.getMessage());
        }
    }

    private void carryOut(List<CoreCommand> commands) {
        // A step goes out before anything is recorded: workers compute while the listener writes.
        for (CoreCommand command : commands) {
            if (command instanceof RunStep step) {
                for (Shard shard : step.shards()) {
                    transport.send(shard.workerId(), step);
                }
                if (step.attempt() > 0) {
                    listener.onStepRerun(step.step(), step.attempt());
                }
                expect(step, step.shards().stream().map(Shard::workerId).toList(), deadlines.stepNanos());
            }
        }
        for (CoreCommand command : commands) {
            if (command instanceof Evaluate evaluate) {
                transport.send(evaluate.workerId(), evaluate);
                expect(evaluate, List.of(evaluate.workerId()), deadlines.phaseNanos());
            } else if (command instanceof WriteCheckpoint checkpoint) {
                transport.send(checkpoint.workerId(), checkpoint);
                expect(checkpoint, List.of(checkpoint.workerId()), deadlines.phaseNanos());
            } else if (command instanceof ExpandWeights expansion) {
                expansionRound++;
                expandedStatePushed = false;
                digests.clear();
                if (expandedAlready(expansion)) {
                    pushExpanded(expansion);
                } else {
                    transport.send(expansion.sourceWorker(), new PullState(expansion.step(), expansionRound,
                            expansion.fromWeights()));
                    expect(expansion, List.of(expansion.sourceWorker()), deadlines.phaseNanos());
                }
            } else if (command instanceof SyncState sync) {
                transport.send(sync.sourceWorker(), sync); // the source gives, each target takes
                for (String target : sync.targets()) {
                    transport.send(target, sync);
                }
                expect(sync, sync.targets(), deadlines.phaseNanos());
            } else if (command instanceof RestoreState restore) {
                expanded = null; // the run goes back: an expansion after it starts from the restored state
                expandedBy = null;
                for (String worker : restore.workers()) {
                    transport.restore(worker, restore);
                }
                // newcomers join a restore under way: the core waits for all of them
                List<String> restoring = new ArrayList<>(restore.workers());
                if (inFlight instanceof RestoreState earlier && earlier.snapshot().equals(restore.snapshot())) {
                    restoring.addAll(owed);
                }
                expect(restore, restoring, deadlines.phaseNanos());
            } else if (command instanceof ReleaseWorker release) {
                transport.send(release.workerId(), release);
                listener.onWorker(RunListener.WorkerEvent.RELEASED, release.workerId());
            } else if (command instanceof RecordStep record) {
                listener.onStep(record.record());
            } else if (command instanceof RecordSkippedStep skipped) {
                listener.onStepSkipped(skipped.record(), skipped.inARow());
            } else if (command instanceof RecordValidation validation) {
                listener.onValidation(validation);
            } else if (command instanceof WaitForWorkers wait) {
                waitForWorkers(wait);
            } else if (command instanceof FinishRun finish) {
                stopped = true;
                finalSnapshot = finish.snapshot();
                listener.onFinished(finish.snapshot());
                return;
            } else if (command instanceof FailRun failed) {
                fail(failed.reason());
                return;
            }
        }
    }

    /** {@code command} is now the one in flight, {@code workers} owe it a reply within {@code nanos}. */
    private void expect(CoreCommand command, Collection<String> workers, long nanos) {
        inFlight = command;
        owed.clear();
        owed.addAll(workers);
        stalled.clear();
        firstNorm = null;
        waiting = null;
        repliesDeadline = new Deadline(Deadline.Kind.REPLIES, ++deadlinesSet);
        timers.start(repliesDeadline, nanos);
    }

    private void waitForWorkers(WaitForWorkers wait) {
        inFlight = null;
        owed.clear();
        waiting = wait;
        workersDeadline = new Deadline(Deadline.Kind.WORKERS, ++deadlinesSet);
        timers.start(workersDeadline, deadlines.joinNanos());
    }

    private void fail(String message) {
        if (!stopped) {
            stopped = true;
            failure = message;
            listener.onFailed(message);
        }
    }

    private static String seconds(long nanos) {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + " s";
    }
}
