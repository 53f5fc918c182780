package dev.apollo.sim;

import dev.apollo.coordinator.apollo.StageSchedule;
import dev.apollo.coordinator.core.Core;
import dev.apollo.coordinator.core.CoordinatorCore;
import dev.apollo.coordinator.core.RunPlan;
import dev.apollo.protocol.CoreCommand;
import dev.apollo.protocol.CoreEvent;
import dev.apollo.protocol.ExpandWeights;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.StatePushed;
import dev.apollo.protocol.StepCompleted;
import dev.apollo.sim.Violation.Invariant;
import dev.apollo.tensor.RingExchange;
import dev.apollo.worker.node.TentativeUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Deliberately broken coordinators: the production core behind a wrapper (or given a mis-resolved plan) that
 * breaks one promise, for the sweep to catch. Nothing of this is in the production core.
 */
enum PlantedBug {

    /** From step 5 on, the first step split over two or more workers gives the second one a row of the first too. */
    SHARD_COUNTED_TWICE(Invariant.GRADIENT, 0) {
        @Override
        CoreFactory cores() {
            return (plan, from) -> {
                CoordinatorCore core = new CoordinatorCore(plan, from);
                boolean[] planted = {false};
                return event -> {
                    List<CoreCommand> commands = new ArrayList<>(core.on(event));
                    for (int i = 0; i < commands.size(); i++) {
                        if (!planted[0] && commands.get(i) instanceof RunStep step && step.step() >= 5
                                && step.shards().size() > 1) {
                            planted[0] = true;
                            commands.set(i, overlapping(step));
                        }
                    }
                    return commands;
                };
            };
        }
    },

    /** Stage boundaries resolved one step late, as an off-by-one in the schedule would. */
    EXPANSION_ONE_STEP_LATE(Invariant.EXPANSION, 0) {
        @Override
        CoreFactory cores() {
            return (plan, from) -> new CoordinatorCore(late(plan), from)::on;
        }
    },

    /** Step 5 is counted done (its replies made up, with the right losses) but never sent to the workers. */
    LOST_STEP(Invariant.STEP_ORDER, 0) {
        @Override
        CoreFactory cores() {
            return (plan, from) -> {
                CoordinatorCore core = new CoordinatorCore(plan, from);
                boolean[] lost = {false};
                return new Core() {
                    @Override
                    public List<CoreCommand> on(CoreEvent event) {
                        List<CoreCommand> out = new ArrayList<>();
                        for (CoreCommand command : core.on(event)) {
                            if (!lost[0] && command instanceof RunStep step && step.step() == 5) {
                                lost[0] = true;
                                for (Shard shard : step.shards()) {
                                    out.addAll(on(new StepCompleted(5, step.attempt(), shard.workerId(),
                                            shard.microBatches(), false, SimData.meanLoss(plan.seed(), 5, 0,
                                                    plan.microBatches()), 1.0, 0.01)));
                                }
                            } else {
                                out.add(command);
                            }
                        }
                        return out;
                    }
                };
            };
        }
    },

    /**
     * A bug in the node, not the core: it takes the first holder's digest of an expanded state for every holder's, so
     * the run goes on before the others have loaded the state (the difference between counting replies and holders).
     */
    EXPANSION_TAKES_ONE_DIGEST_FOR_ALL(Invariant.SHARDS, 5) {
        @Override
        CoreFactory cores() {
            return new CoreFactory() {
                @Override
                public Core start(RunPlan plan, RunSnapshot from) {
                    return new ExpansionWatcher(new CoordinatorCore(plan, from));
                }

                @Override
                public Inbox inbox(Core core) {
                    ExpansionWatcher watcher = (ExpansionWatcher) core;
                    return (message, node) -> {
                        node.accept(message);
                        if (message instanceof StatePushed pushed && watcher.last != null) {
                            for (String holder : watcher.last.holders()) {
                                if (!holder.equals(pushed.workerId())) {
                                    node.accept(new StatePushed(pushed.step(), pushed.round(), holder, pushed.digest()));
                                }
                            }
                        }
                    };
                }
            };
        }
    },

    /**
     * A bug in the workers' update, not the coordinator: the update of a step is applied before whatever comes next,
     * its own re-run too, as a rule that forgot the run can go back would; the re-run then trains from the state
     * after the step. It can break a run only where an owner finished a step that is then run again (a third of the
     * seeds): {@link UpdateAppliedTwice#fired} says whether it did.
     */
    UPDATE_APPLIED_TWICE_AFTER_A_RERUN(Invariant.REPLICAS, 72, true) {
        @Override
        CoreFactory cores() {
            return new UpdateAppliedTwice();
        }
    },

    /**
     * A bug in the workers' ring, not the coordinator: a fragment of the running exchange that the production rule
     * drops as stale (a duplicate of one already taken) is taken in place of the one expected next, as a ring that
     * compared tags but not steps and positions would. Only a duplicated message can be stale, so it needs faults.
     */
    RING_TAKES_A_STALE_FRAGMENT(Invariant.GRADIENT, 5, true) {
        @Override
        CoreFactory cores() {
            return new CoreFactory() {
                @Override
                public Core start(RunPlan plan, RunSnapshot from) {
                    return new CoordinatorCore(plan, from);
                }

                @Override
                public SimRing.FragmentRule fragmentRule() {
                    return (exchange, fragment) -> {
                        RingExchange.Verdict verdict = SimRing.FragmentRule.PRODUCTION.judge(exchange, fragment);
                        boolean stale = verdict == RingExchange.Verdict.DROP && fragment.tag() == exchange.tag();
                        return stale && exchange.receivePending() ? RingExchange.Verdict.TAKE : verdict;
                    };
                }
            };
        }
    };

    /** The production core, with workers whose rule applies a held update before anything, a re-run included. */
    static final class UpdateAppliedTwice implements CoreFactory {
        private final AtomicBoolean fired = new AtomicBoolean();

        @Override
        public Core start(RunPlan plan, RunSnapshot from) {
            return new CoordinatorCore(plan, from);
        }

        @Override
        public TentativeUpdate<SimReplica.State> tentativeUpdate() {
            return new TentativeUpdate<>() {
                @Override
                public SimReplica.State before(long boundary) {
                    SimReplica.State held = peek();
                    if (held != null && boundary < held.step()) {
                        fired.set(true); // the production rule would have dropped it
                    }
                    return take();
                }
            };
        }

        /** Whether a worker applied an update the run had gone back over. */
        boolean fired() {
            return fired.get();
        }
    }

    /** The production core, remembering the last expansion it asked for. */
    private static final class ExpansionWatcher implements Core {
        private final Core core;
        private ExpandWeights last;

        ExpansionWatcher(Core core) {
            this.core = core;
        }

        @Override
        public List<CoreCommand> on(CoreEvent event) {
            List<CoreCommand> commands = core.on(event);
            for (CoreCommand command : commands) {
                if (command instanceof ExpandWeights expansion) {
                    last = expansion;
                }
            }
            return commands;
        }
    }

    /** The invariant that must catch it (others may too). */
    final Invariant caughtBy;
    /**
     * Seeds of a hundred in which the bug may break nothing: one whose faults left a single holder at every expansion
     * gives the node's digest count nothing to get wrong.
     */
    final int seedsItMayMissOf100;
    /** Whether only a fault (a lost, duplicated or reordered message, a crash) gives the bug a chance to break. */
    final boolean needsFaults;

    PlantedBug(Invariant caughtBy, int seedsItMayMissOf100) {
        this(caughtBy, seedsItMayMissOf100, false);
    }

    PlantedBug(Invariant caughtBy, int seedsItMayMissOf100, boolean needsFaults) {
        this.caughtBy = caughtBy;
        this.seedsItMayMissOf100 = seedsItMayMissOf100;
        this.needsFaults = needsFaults;
    }

    abstract CoreFactory cores();

    private static RunStep overlapping(RunStep step) {
        List<Shard> shards = new ArrayList<>(step.shards());
        Shard second = shards.get(1);
        shards.set(1, new Shard(second.workerId(), second.firstMicroBatch() - 1, second.microBatches() + 1));
        return new RunStep(step.step(), step.attempt(), step.stage(), step.weights(), step.depth(), step.layerMap(),
                step.lr(), shards);
    }

    private static RunPlan late(RunPlan plan) {
        StageSchedule stages = plan.stages();
        int[] layers = new int[stages.stageCount()];
        long[] starts = new long[stages.stageCount()];
        for (int stage = 0; stage < layers.length; stage++) {
            layers[stage] = stages.weights(stage);
            starts[stage] = stage == 0 ? 0 : stages.startStep(stage) + 1;
        }
        return new RunPlan(plan.totalSteps(), plan.seed(), plan.totalLayers(), plan.microBatches(), plan.tokensPerStep(),
                new StageSchedule(layers, starts, plan.totalSteps()), plan.sampler(), plan.sharing(), plan.expansion(),
                plan.learningRate(), plan.flops(), plan.evalEvery(), plan.checkpointEvery(), plan.minWorkers(),
                plan.maxSkippedSteps());
    }
}
