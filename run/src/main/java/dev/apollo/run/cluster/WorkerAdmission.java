package dev.apollo.run.cluster;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.typesafe.config.ConfigUtil;
import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigError;
import dev.apollo.config.ConfigLoader;
import dev.apollo.config.ModelConfig;
import dev.apollo.protocol.JoinOffer;
import dev.apollo.protocol.RunSnapshot;
import dev.apollo.protocol.TensorState;
import dev.apollo.run.Corpus;
import dev.apollo.run.EmbeddedRun;
import dev.apollo.run.UsageError;
import dev.apollo.worker.Replicas;
import dev.apollo.worker.cluster.WorkerHost;
import dev.apollo.worker.data.DataError;
import dev.apollo.worker.train.Replica;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a worker makes of a coordinator's offer: the run's configuration with this worker's own settings (engine
 * threads, where its copy of the corpus is), checked against what it was told to expect (the same corpus, and the
 * same model shape when it was given one), and the replicas it will train on its device. The corpus is read once
 * for every membership of the process.
 *
 * @param threads the engine's intra-op threads, or null for the run's {@code runtime.threads}
 * @param data this worker's copy of the corpus, or null for the run's path
 * @param expectedModel the model shape this worker was given, or null to take the run's
 * @param device cpu, gpu:K or auto
 */
record WorkerAdmission(Integer threads, Path data, ModelConfig expectedModel, String device, CorpusCache corpora)
        implements WorkerHost.Admission {

    /** The corpus last read, kept across memberships: a worker that joins a restarted coordinator reads it once. */
    static final class CorpusCache {
        private List<Object> key;
        private Corpus.Loaded loaded;

        synchronized Corpus.Loaded read(ApolloConfig config) {
            List<Object> wanted = List.of(config.data(), config.model().seqLen(), config.model().objective());
            if (!wanted.equals(key)) {
                loaded = Corpus.read(config);
                key = wanted;
            }
            return loaded;
        }
    }

    WorkerAdmission(Integer threads, Path data, ModelConfig expectedModel, String device) {
        this(threads, data, expectedModel, device, new CorpusCache());
    }

    @Override
    public WorkerHost.Admitted admit(JoinOffer offer) throws WorkerHost.RefusedException {
        try {
            ApolloConfig config = withLocalSettings(offer.config());
            if (expectedModel != null && !expectedModel.equals(config.model())) {
                throw new WorkerHost.RefusedException("another model shape: the run trains " + config.model()
                        + ", this worker was given " + expectedModel);
            }
            Corpus.Loaded corpus = corpora.read(config);
            if (corpus.bytes() != offer.corpusBytes() || !corpus.sha256().equals(offer.corpusSha256())) {
                throw new WorkerHost.RefusedException(String.format(Locale.ROOT, "another corpus: the run's has %d "
                        + "bytes, SHA-256 %s; this worker's has %d bytes, SHA-256 %s (give the same file with --data)",
                        offer.corpusBytes(), offer.corpusSha256(), corpus.bytes(), corpus.sha256()));
            }
            Device onDevice = device(config);
            return new WorkerHost.Admitted(config, new Replicas() {
                @Override
                public Replica at(RunSnapshot snapshot) { // the seed's start: any other state comes from the coordinator
                    return new Replica(config, corpus.batches(), onDevice, snapshot.weights(), null);
                }

                @Override
                public Replica holding(int weights, TensorState state) {
                    return new Replica(config, corpus.batches(), onDevice, weights, state);
                }
            }, onDevice.toString());
        } catch (ConfigError | DataError | UsageError e) {
            throw new WorkerHost.RefusedException(e.getMessage());
        }
    }

    private ApolloConfig withLocalSettings(String offered) {
        List<String> local = new ArrayList<>();
        if (threads != null) {
            local.add("runtime.threads=" + threads);
        }
        if (data != null) {
            local.add("data.path=" + ConfigUtil.quoteString(data.toAbsolutePath().toString()));
        }
        return ConfigLoader.parseStored(local.isEmpty() ? offered : offered + "\n"
                + String.join("\n", local.stream().map(line -> "apollo." + line).toList()));
    }

    private Device device(ApolloConfig config) {
        Engine engine = EmbeddedRun.engine(config);
        String wanted = device.toLowerCase(Locale.ROOT);
        if (wanted.equals("auto")) {
            return EmbeddedRun.device(config);
        }
        if (wanted.equals("cpu")) {
            return Device.cpu();
        }
        if (wanted.matches("gpu:\\d+")) {
            int index = Integer.parseInt(wanted.substring(4));
            int visible = engine.getGpuCount();
            if (index >= visible) {
                throw new UsageError("--device " + device + ": " + visible + " GPUs are visible to DJL's PyTorch engine");
            }
            return Device.gpu(index);
        }
        throw new UsageError("--device " + device + ": expected cpu, gpu:K or auto");
    }
}
