package dev.apollo.worker;

import dev.apollo.config.ApolloConfig;
import dev.apollo.config.ConfigLoader;
import dev.apollo.worker.data.TokenDataset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small shapes and generated text, so model tests run in seconds on a CPU. */
public final class TestConfigs {

    private TestConfigs() {}

    /** A 4-layer, d=32 model of the given objective with the given extra overrides. */
    public static ApolloConfig small(String objective, String... overrides) {
        List<String> all = new ArrayList<>(List.of("model.objective=" + objective, "model.layers=4",
                "model.d-model=32", "model.heads=4", "model.seq-len=16", "model.vocab-size=260",
                "stages.layers=[1,2,4]", "stages.boundaries=[0.25,0.5]", "train.steps=40", "train.batch-size=8",
                "train.eval-every=10", "train.eval-batches=2", "runtime.threads=2"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load("tiny", null, all);
    }

    /** Text with learnable structure: words drawn from a small vocabulary. */
    public static byte[] text(int words, long seed) {
        String[] vocabulary = "the quick brown fox jumps over a lazy dog while small birds sing at dawn".split(" ");
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(vocabulary[random.nextInt(vocabulary.length)]).append(' ');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static TokenDataset dataset(ApolloConfig config) {
        return new TokenDataset(text(20_000, 7), config.model().seqLen(), 0.1);
    }
}
