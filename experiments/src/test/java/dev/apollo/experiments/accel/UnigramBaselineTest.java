package dev.apollo.experiments.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apollo.worker.data.MaskedLmBatches;
import dev.apollo.worker.data.TokenDataset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The unigram baseline is the entropy of the validation targets: of every next token (GPT), of masked ones (BERT). */
class UnigramBaselineTest {

    @Test
    void twoEquallyFrequentTokensHaveEntropyLnTwo() {
        byte[] corpus = "ab".repeat(4096).getBytes(StandardCharsets.US_ASCII);
        TokenDataset windows = new TokenDataset(corpus, 16, 0.25);
        assertEquals(Math.log(2), UnigramBaseline.entropy(windows, 4, 8), 1e-9);
        // masking picks positions at random: the two tokens are then close to, not exactly, equally frequent
        assertEquals(Math.log(2), UnigramBaseline.entropy(new MaskedLmBatches(windows, 0.15), 4, 8), 0.01);
    }

    @Test
    void oneTokenHasNoEntropy() {
        TokenDataset windows = new TokenDataset("x".repeat(4096).getBytes(StandardCharsets.US_ASCII), 16, 0.25);
        assertEquals(0.0, UnigramBaseline.entropy(windows, 4, 8), 1e-12);
    }
}
