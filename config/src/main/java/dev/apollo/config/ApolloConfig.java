package dev.apollo.config;

/**
 * The whole, validated configuration of a run. Built only by {@link ConfigLoader}, which checks every value once;
 * everything downstream trusts it. Keys and their meaning are documented in {@code reference.conf}.
 */
public record ApolloConfig(
        ModelConfig model,
        StageConfig stages,
        SamplerConfig sampler,
        OptimizerConfig optimizer,
        ScheduleConfig schedule,
        TrainConfig train,
        DataConfig data,
        RuntimeConfig runtime,
        ClusterConfig cluster) {

    /** Tokens consumed by one optimizer step (the global batch). */
    public long tokensPerStep() {
        return (long) train.batchSize() * model.seqLen();
    }
}
