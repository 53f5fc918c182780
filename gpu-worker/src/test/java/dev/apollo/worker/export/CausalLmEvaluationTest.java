package dev.apollo.worker.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.apollo.config.ApolloConfig;
import dev.apollo.worker.TestConfigs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol: consecutive windows of T inputs from offset 0, targets shifted by one, every token weighted alike. */
class CausalLmEvaluationTest {

    @TempDir
    Path dir;

    @Test
    void windowsThatFitNeedOneByteMoreForTheirTargets() {
        assertEquals(0, CausalLmEvaluation.windowsIn(16, 16));
        assertEquals(1, CausalLmEvaluation.windowsIn(17, 16));
        assertEquals(1, CausalLmEvaluation.windowsIn(32, 16));
        assertEquals(2, CausalLmEvaluation.windowsIn(33, 16));
    }

    @Test
    void lossIsTheMeanOverWindowsWhateverTheBatching() throws IOException {
        ApolloConfig config = TestConfigs.small("gpt");
        CheckpointModel model = CheckpointModel.read(ExportFixtures.checkpoint(dir, config, 2, 4));
        byte[] data = Arrays.copyOf(TestConfigs.text(200, 5), 5 * 16 + 1);
        try (GptInference inference = GptInference.atFullDepth(model, Device.cpu())) {
            CausalLmEvaluation.Result all = CausalLmEvaluation.evaluate(inference, data, 5, 2); // batches of 2, 2, 1
            double sum = 0;
            for (int window = 0; window < 5; window++) {
                byte[] alone = Arrays.copyOfRange(data, window * 16, window * 16 + 17);
                sum += CausalLmEvaluation.evaluate(inference, alone, 1, 1).loss();
            }
            assertEquals(sum / 5, all.loss(), 1e-6);
            assertEquals(80, all.tokens());
            assertEquals(5, all.windows());
            assertEquals(Math.exp(all.loss()), all.perplexity(), 1e-12);
            assertEquals(all.loss() / Math.log(2), all.bitsPerByte(), 1e-12);
            double firstThree = CausalLmEvaluation.evaluate(inference, data, 3, 8).loss();
            double firstThreeAlone = CausalLmEvaluation.evaluate(inference, Arrays.copyOf(data, 49), 3, 3).loss();
            assertEquals(firstThreeAlone, firstThree, 1e-6, "the first W windows, from offset 0");
        }
    }
}
