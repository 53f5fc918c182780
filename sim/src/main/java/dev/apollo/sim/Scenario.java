package dev.apollo.sim;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.TrainConfig;
import java.util.EnumSet;
import java.util.Set;

/**
 * One simulated run: the configuration (whose seed also seeds the simulator, so one number replays everything),
 * the workers at the start, the faults to inject, and the devices and links the costs are modelled on.
 */
public record Scenario(ApolloConfig config, int workers, Set<FaultKind> faults, ClusterSpec cluster) {

    public Scenario {
        if (workers < config.cluster().minWorkers()) {
            throw new IllegalArgumentException("a simulation needs at least apollo.cluster.min-workers ("
                    + config.cluster().minWorkers() + ") workers to start, got " + workers);
        }
        faults = faults.isEmpty() ? EnumSet.noneOf(FaultKind.class) : EnumSet.copyOf(faults);
        cluster = cluster.withWorkers(workers); // the devices the run starts on; joins add more of the same
    }

    /** {@code workers} A100s. */
    public static Scenario of(ApolloConfig config, int workers, Set<FaultKind> faults) {
        return new Scenario(config, workers, faults, ClusterSpec.of(workers, "a100"));
    }

    public long seed() {
        return config.train().seed();
    }

    /**
     * This scenario under {@code seed}, starting with a number of workers the seed draws, from the minimum the run
     * steps with up to this scenario's, as TigerBeetle's VOPR draws its cluster: a sweep covers the sizes too.
     */
    public Scenario varied(long seed) {
        int least = Math.max(1, Math.min(workers, config.cluster().minWorkers()));
        int count = least + (int) Math.floorMod(SimData.mix(seed ^ 0xC1A55E5L), (long) (workers - least + 1));
        return new Scenario(config, count, faults, cluster).withSeed(seed);
    }

    /** The same scenario under another seed (of the run and of the simulator alike), for sweeps. */
    public Scenario withSeed(long seed) {
        TrainConfig train = config.train();
        ApolloConfig reseeded = new ApolloConfig(config.model(), config.stages(), config.sampler(), config.optimizer(),
                config.schedule(), new TrainConfig(train.steps(), train.batchSize(), train.microBatchSize(), seed, train.evalEvery(),
                        train.evalBatches(), train.checkpointEvery(), train.maxSkippedSteps()), config.data(), config.runtime(), config.cluster());
        return new Scenario(reseeded, workers, faults, cluster);
    }
}
