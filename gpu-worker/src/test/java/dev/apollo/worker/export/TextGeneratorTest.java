package dev.apollo.worker.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.apollo.config.ApolloConfig;
import dev.apollo.worker.TestConfigs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token choice: greedy is the arg max over bytes, draws follow the tempered softmax of the top k, a seed fixes the text. */
class TextGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void greedyPicksTheMostLikelyByteAndNeverASpecialId() {
        float[] logits = new float[260];
        logits[65] = 3f;
        logits[66] = 3f; // a tie goes to the lower id
        logits[258] = 9f; // [SEP]: no byte
        SamplingSettings greedy = new SamplingSettings(1, 0, 0, 1);
        assertEquals(65, TextGenerator.pick(logits, greedy, 256, new SplittableRandom(1)));
    }

    @Test
    void drawsFollowTheTemperedSoftmaxOfTheTopK() {
        float[] logits = new float[256];
        logits[10] = (float) Math.log(3);
        logits[20] = 0f;
        for (int id = 0; id < 256; id++) {
            if (id != 10 && id != 20) {
                logits[id] = -1f;
            }
        }
        SplittableRandom random = new SplittableRandom(7);
        int tens = 0;
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            int id = TextGenerator.pick(logits, new SamplingSettings(1, 1.0, 2, 0), 256, random);
            assertTrue(id == 10 || id == 20, "only the top 2: " + id);
            tens += id == 10 ? 1 : 0;
        }
        assertEquals(0.75, tens / (double) draws, 0.015, "p = 3/(3+1)");
        int sharpened = 0;
        for (int i = 0; i < draws; i++) {
            sharpened += TextGenerator.pick(logits, new SamplingSettings(1, 0.5, 2, 0), 256, random) == 10 ? 1 : 0;
        }
        assertEquals(0.9, sharpened / (double) draws, 0.015, "temperature 1/2 squares the odds: 9/(9+1)");
    }

    @Test
    void aSeedFixesTheContinuationAndAnotherChangesIt() throws IOException {
        ApolloConfig config = TestConfigs.small("gpt"); // vocab 260: the spare ids must never be drawn
        CheckpointModel model = CheckpointModel.read(ExportFixtures.checkpoint(dir, config, 2, 9));
        try (GptInference inference = GptInference.atFullDepth(model, Device.cpu())) {
            int[] prompt = dev.apollo.worker.data.ByteTokenizer.encode("the quick brown fox");
            int[] first = generate(inference, prompt, new SamplingSettings(12, 3.0, 0, 42));
            int[] again = generate(inference, prompt, new SamplingSettings(12, 3.0, 0, 42));
            int[] other = generate(inference, prompt, new SamplingSettings(12, 3.0, 0, 43));
            assertEquals(12, first.length);
            assertArrayEquals(first, again);
            assertFalse(java.util.Arrays.equals(first, other), "another seed, another text");
            for (int id : first) {
                assertTrue(id >= 0 && id < 256, "a byte: " + id);
            }
            int[] greedy = generate(inference, prompt, new SamplingSettings(12, 0, 5, 1));
            assertArrayEquals(greedy, generate(inference, prompt, new SamplingSettings(12, 0, 0, 2)),
                    "greedy ignores the seed and top-k");
        }
    }

    @Test
    void settingsRefuseBadNumbers() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, -0.1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, Double.NaN, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, 1, -1, 0));
    }

    private static int[] generate(GptInference inference, int[] prompt, SamplingSettings settings) {
        List<Integer> ids = new ArrayList<>();
        TextGenerator.generate(inference, prompt, settings, ids::add);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
