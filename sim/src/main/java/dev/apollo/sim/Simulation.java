package dev.apollo.sim;

import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.coordinator.node.NodeDeadlines;
import dev.apollo.worker.node.TentativeUpdate;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.RecordStep;
import dev.apollo.protocol.RestoreState;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Runs the coordinator core under test against simulated worker processes on a virtual clock, over a simulated
 * network, with the faults of a seeded plan. One generator, seeded from the run's seed, draws every latency, loss
 * and fault, and the event queue breaks ties by scheduling order, so a seed replays a run event for event. Every
 * command the core issues, and every gradient, update and checkpoint the workers make, is checked by an
 * {@link InvariantChecker} as it happens.
 */
public final class Simulation implements ReplicaView {

    /** Bytes of a command or a short reply on the wire. */
    static final double CONTROL_BYTES = 1024;
    /** A run still going after this many events is stuck, not slow. */
    static final long MAX_EVENTS = 50_000_000;

    private final RunPlan plan;
    private final Scenario scenario;
    private final CostModel cost;
    private final SplittableRandom random;
    private final EventQueue queue = new EventQueue();
    private final Trace trace;
    private final SimRing.FragmentRule fragmentRule;
    private final CoreFactory cores;
    private final SimulationStats stats = new SimulationStats();
    private final Network network;
    private final CheckpointStorage storage;
    private final InvariantChecker checker;
    private final SimCoordinator coordinator;
    private final List<SimWorker> nodes = new ArrayList<>(); // by network index; 0 is the coordinator
    private final Map<String, SimWorker> workers = new HashMap<>();
    private final Map<String, Integer> lives = new HashMap<>();
    private final List<CoreCommand> commands = new ArrayList<>();
    private final List<FaultPlan.Planned> faults;
    private final long stepNanos;
    /** The unit of the node's deadlines and of fault durations: ten modelled steps. */
    private final long timeoutNanos;
    private int nextFault;
    private int nextWorkerNumber;
    private long progress;

    private Simulation(Scenario scenario, CoreFactory cores, boolean traced) {
        this.scenario = scenario;
        this.plan = RunPlan.from(scenario.config());
        this.cost = CostModel.of(scenario.config(), plan.flops(), scenario.cluster());
        this.random = new SplittableRandom(SimData.mix(scenario.seed() ^ 0x51A7E5EEDL));
        this.trace = new Trace(queue, traced);
        // as TigerBeetle's VOPR does, each seed draws how faulty its network is and how often the faults come
        this.network = new Network(queue, random, scenario.cluster(),
                scenario.faults().contains(FaultKind.LOSS) ? rate(random) : 0,
                scenario.faults().contains(FaultKind.DUPLICATE) ? rate(random) : 0,
                scenario.faults().contains(FaultKind.REORDER), this::nodeAlive, stats);
        this.storage = new CheckpointStorage(plan.freshStart());
        this.checker = new InvariantChecker(plan, step -> SimData.meanLoss(plan.seed(), step, 0, plan.microBatches()),
                this);
        this.faults = FaultPlan.draw(scenario.faults(), plan.totalSteps(), random);
        int active = Math.min(scenario.workers(), plan.microBatches());
        int rows = (plan.microBatches() + active - 1) / active * rowsPerMicroBatch();
        int layers = plan.totalLayers();
        this.stepNanos = Math.round(1e9 * (cost.computeSeconds(layers, layers, rows)
                + cost.ringAllReduceSeconds(layers, active)));
        this.timeoutNanos = Math.max(1_000_000, 10 * stepNanos);
        nodes.add(null);
        this.fragmentRule = cores.fragmentRule();
        this.cores = cores;
        this.coordinator = new SimCoordinator(this, cores, nodeDeadlines(), plan.freshStart());
    }

    /** A loss or duplication rate, log-uniform in [0.1%, 5%]. */
    private static double rate(SplittableRandom random) {
        return 0.001 * Math.pow(50, random.nextDouble());
    }

    /**
     * The production deadlines scaled to the modelled devices: a step may take twenty modelled steps (a device slowed
     * ten times still makes it), anything else as long or four times its modelled cost, and the run waits a hundred
     * modelled steps below the minimum of workers (a crashed worker is back within forty).
     */
    private NodeDeadlines nodeDeadlines() {
        int layers = plan.totalLayers();
        double phaseSeconds = cost.checkpointSeconds(layers) + cost.evaluationSeconds(layers)
                + 2 * cost.messageSeconds(cost.stateBytes(layers));
        long phaseNanos = Math.max(2 * timeoutNanos, Math.round(4e9 * phaseSeconds));
        long joinNanos = 10 * timeoutNanos + phaseNanos;
        return new NodeDeadlines(2 * timeoutNanos, phaseNanos, joinNanos, joinNanos);
    }

    /** How long a worker's gradient exchange waits on peers before it tells the coordinator it is still alive. */
    long stallReportNanos() {
        return timeoutNanos / 2;
    }

    /** Runs a scenario with the production core; {@code traced} keeps the trace (slower). */
    public static SimulationResult run(Scenario scenario, boolean traced) {
        return run(scenario, CoreFactory.real(), traced);
    }

    /** Runs a scenario with the given core (a broken one, in tests). */
    public static SimulationResult run(Scenario scenario, CoreFactory cores, boolean traced) {
        return new Simulation(scenario, cores, traced).run();
    }

    private SimulationResult run() {
        for (int i = 0; i < scenario.workers(); i++) {
            spawn("w" + nextWorkerNumber++);
        }
        while (!coordinator.finished() && coordinator.failure() == null && queue.fired() < MAX_EVENTS
                && queue.runNext()) {
            // each event does its own work; the checker looks at it as it happens
        }
        if (coordinator.finished()) {
            checker.ended("finished");
        } else if (coordinator.failure() != null) {
            checker.ended("the coordinator gave up: " + coordinator.failure());
        } else {
            checker.ended(queue.fired() >= MAX_EVENTS ? "still going after " + MAX_EVENTS + " events"
                    : "nothing left to happen at " + queue.now() + " ns");
        }
        return new SimulationResult(scenario.seed(), coordinator.finished(), queue.fired(), queue.now(),
                checker.violations(), checker.violationCount(), commands, trace.entries(), stats, finalDigest(),
                checker.expectedDigest(plan.totalSteps(), plan.totalLayers()));
    }

    /** The state any live holder has at the end, or null if none does. */
    private Long finalDigest() {
        for (SimWorker worker : new TreeMap<>(workers).values()) {
            Long digest = worker.alive() ? worker.digest(plan.totalSteps(), plan.totalLayers()) : null;
            if (digest != null) {
                return digest;
            }
        }
        return null;
    }

    // ---- what the nodes share

    /** Sequences in one micro-batch: what a worker computes per micro-batch it owns. */
    int rowsPerMicroBatch() {
        return plan.flops().batchSize() / plan.microBatches();
    }

    RunPlan plan() {
        return plan;
    }

    CostModel cost() {
        return cost;
    }

    EventQueue queue() {
        return queue;
    }

    /** How the workers' rings judge a fragment: the production rule, unless a bug is planted. */
    /** A new worker's rule for the update of its last step. */
    TentativeUpdate<SimReplica.State> tentativeUpdate() {
        return cores.tentativeUpdate();
    }

    SimRing.FragmentRule fragmentRule() {
        return fragmentRule;
    }

    Trace trace() {
        return trace;
    }

    Network network() {
        return network;
    }

    CheckpointStorage storage() {
        return storage;
    }

    InvariantChecker checker() {
        return checker;
    }

    SimulationStats stats() {
        return stats;
    }

    SimCoordinator coordinator() {
        return coordinator;
    }

    SimWorker worker(String id) {
        return workers.get(id);
    }

    private boolean nodeAlive(int index) {
        return index == 0 ? coordinator.up() : nodes.get(index).alive();
    }

    /** A message between two workers. */
    void send(SimWorker from, SimWorker to, double bytes, Object what, Runnable deliver) {
        network.send(from.index, to.index, bytes, () -> {
            trace.message(from.id, to.id, what);
            deliver.run();
        });
    }

    /** A message from the coordinator to a worker. */
    void send(SimCoordinator from, SimWorker to, double bytes, Object what, Runnable deliver) {
        network.send(0, to.index, bytes, () -> {
            trace.message(SimCoordinator.NAME, to.id, what);
            deliver.run();
        });
    }

    /** A message from a worker to the coordinator. */
    void send(SimWorker from, SimCoordinator to, double bytes, Object what, Runnable deliver) {
        network.send(from.index, 0, bytes, () -> {
            trace.message(from.id, SimCoordinator.NAME, what);
            deliver.run();
        });
    }

    /** A worker's reply or membership change, addressed to coordinator incarnation {@code epoch}. */
    void toCoordinator(SimWorker from, long epoch, Object message) {
        send(from, coordinator, CONTROL_BYTES, message, () -> coordinator.receive(epoch, message));
    }

    // ---- what the core does

    void issued(CoreCommand command) {
        commands.add(command);
        checker.issued(command);
        if (command instanceof RecordStep record) {
            progress = record.record().stepsDone();
        } else if (command instanceof RestoreState restore && restore.snapshot().nextStep() < progress) {
            stats.rolledBack();
            progress = restore.snapshot().nextStep();
        } else if (command instanceof RunStep step) {
            stepIssued(step);
        }
    }

    /** The core issued a step: re-issues count, and faults planned for this step come due. */
    private void stepIssued(RunStep step) {
        if (step.attempt() > 0) {
            stats.attemptSuperseded();
        }
        while (nextFault < faults.size() && faults.get(nextFault).atStep() <= step.step()) {
            FaultKind kind = faults.get(nextFault++).kind();
            queue.after(1 + random.nextLong(Math.max(1, stepNanos)), () -> inject(kind));
        }
    }

    // ---- faults

    private void inject(FaultKind kind) {
        List<SimWorker> candidates = liveWorkers();
        switch (kind) {
            case CRASH -> {
                if (!candidates.isEmpty()) {
                    crash(pick(candidates));
                }
            }
            case SLOW -> {
                if (!candidates.isEmpty()) {
                    slowDown(pick(candidates));
                }
            }
            case JOIN -> {
                fault(kind, "w" + nextWorkerNumber + " joins");
                spawn("w" + nextWorkerNumber++);
            }
            case LEAVE -> {
                candidates.removeIf(SimWorker::leaving);
                if (candidates.size() > plan.minWorkers()) { // never leave the run without enough workers for good
                    SimWorker leaving = pick(candidates);
                    fault(kind, leaving.id + " asks to leave");
                    leaving.leave();
                }
            }
            case PARTITION -> {
                if (!candidates.isEmpty()) {
                    partition(candidates);
                }
            }
            case RESTART -> {
                if (coordinator.up()) {
                    restartCoordinator();
                }
            }
            default -> throw new IllegalStateException(kind + " is a property of the network");
        }
    }

    private void crash(SimWorker victim) {
        fault(FaultKind.CRASH, victim.id + " crashes");
        victim.crash();
        queue.after(downtime(0.5, 4), () -> {
            note(FaultKind.CRASH, victim.stem + " is back");
            spawnIncarnation(victim.stem);
        });
    }

    private void slowDown(SimWorker victim) {
        double factor = 2 + random.nextInt(9);
        fault(FaultKind.SLOW, victim.id + " runs " + factor + " times slower");
        victim.slowDown(factor);
        queue.after(stepNanos * (5 + random.nextInt(46)), () -> victim.slowDown(1));
    }

    /**
     * Cuts some workers off from everyone, long enough to be declared dead or not: all at once, or staggered, as
     * FoundationDB's swizzle-clogging does (cut off one by one, then reconnected one by one, the first cut last).
     */
    private void partition(List<SimWorker> candidates) {
        int count = 1 + random.nextInt(candidates.size());
        List<SimWorker> cut = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            cut.add(candidates.remove(random.nextInt(candidates.size())));
        }
        boolean staggered = count > 1 && random.nextBoolean();
        long gap = staggered ? downtime(0.05, 0.5) : 0;
        long span = downtime(0.2, 3);
        fault(FaultKind.PARTITION, cut.stream().map(worker -> worker.id).toList() + " cut off"
                + (staggered ? " one by one, " + gap + " ns apart," : "") + " for " + span + " ns");
        for (int i = 0; i < count; i++) {
            SimWorker worker = cut.get(i);
            long until = queue.now() + span + 2L * (count - 1 - i) * gap + i * gap;
            queue.after((long) i * gap, () -> network.cutOff(worker.index, until));
        }
    }

    /** The coordinator declared a live worker dead and it learned so: it exits and comes back under a new id. */
    void expelled(SimWorker worker) {
        stats.workerExpelled();
        // not always a partition's doing: a device slowed past the step deadline is declared dead too
        trace.add(TraceEntry.Kind.FAULT, "down", worker.id + " was declared dead and restarts");
        worker.crash();
        spawnIncarnation(worker.stem);
    }

    /** {@code worker} lost its coordinator, which came back: the process joins again as a new member. */
    void rejoined(SimWorker worker) {
        trace.add(TraceEntry.Kind.FAULT, "rejoin", worker.id + " joins the restarted coordinator as a new member");
        worker.crash();
        spawnIncarnation(worker.stem);
    }

    private void restartCoordinator() {
        fault(FaultKind.RESTART, "the coordinator crashes");
        coordinator.crash();
        queue.after(downtime(0.5, 2), () -> {
            RunSnapshot from = storage.latest().snapshot();
            coordinator.restart(from);
            note(FaultKind.RESTART, "the coordinator is back from " + from);
            checker.coordinatorRestarted(from);
            progress = from.nextStep();
            long epoch = coordinator.epoch();
            for (SimWorker worker : liveWorkers()) {
                send(coordinator, worker, CONTROL_BYTES, "coordinator restarted",
                        () -> worker.onCoordinatorRestarted(epoch));
            }
        });
    }

    private void fault(FaultKind kind, String what) {
        stats.fault(kind);
        note(kind, what);
    }

    /** What follows from a fault, in the trace. */
    private void note(FaultKind kind, String what) {
        trace.add(TraceEntry.Kind.FAULT, kind.label(), what);
    }

    /** A multiple of the failure detector's timeout, drawn uniformly in [low, high). */
    private long downtime(double low, double high) {
        return Math.max(1, Math.round(timeoutNanos * (low + (high - low) * random.nextDouble())));
    }

    private SimWorker pick(List<SimWorker> candidates) {
        return candidates.get(random.nextInt(candidates.size()));
    }

    /** Live workers in id order, so a pick depends on the seed alone. */
    private List<SimWorker> liveWorkers() {
        List<SimWorker> live = new ArrayList<>();
        for (SimWorker worker : new TreeMap<>(workers).values()) {
            if (worker.alive()) {
                live.add(worker);
            }
        }
        return live;
    }

    private void spawnIncarnation(String stem) {
        spawn(stem + "." + lives.merge(stem, 1, Integer::sum));
    }

    private void spawn(String id) {
        String stem = id.contains(".") ? id.substring(0, id.indexOf('.')) : id;
        SimWorker worker = new SimWorker(this, id, stem, nodes.size(), coordinator.epoch());
        nodes.add(worker);
        workers.put(id, worker);
        worker.join();
    }

    // ---- ReplicaView

    @Override
    public boolean alive(String worker) {
        SimWorker found = workers.get(worker);
        return found != null && found.alive();
    }

    @Override
    public Long digest(String worker, long step, int weights) {
        SimWorker found = workers.get(worker);
        return found == null ? null : found.digest(step, weights);
    }
}
