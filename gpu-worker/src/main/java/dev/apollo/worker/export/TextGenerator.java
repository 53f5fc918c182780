package dev.apollo.worker.export;

import dev.apollo.worker.data.ByteTokenizer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Continues a token sequence with a GPT, one token at a time, each from the logits of the last (at most seqLen)
 * tokens. Only the tokenizer's ids are drawn (with bytes, 0..255): spare rows of the embedding stand for no text.
 */
public final class TextGenerator {

    private TextGenerator() {}

    /** As {@link #generate(GptInference, int[], SamplingSettings, int, IntConsumer)} drawing bytes. */
    public static void generate(GptInference model, int[] prompt, SamplingSettings settings, IntConsumer onToken) {
        generate(model, prompt, settings, ByteTokenizer.BYTE_VOCAB_SIZE, onToken);
    }

    /**
     * Generates {@code settings.maxNewTokens()} ids among 0..drawable-1 after {@code prompt} (at least one id), each
     * passed to {@code onToken} as it is drawn.
     */
    public static void generate(GptInference model, int[] prompt, SamplingSettings settings, int drawable,
            IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a prompt needs at least one token");
        }
        int seqLen = model.shape().seqLen();
        int[] tokens = Arrays.copyOf(prompt, prompt.length + settings.maxNewTokens());
        int length = prompt.length;
        SplittableRandom random = new SplittableRandom(settings.seed());
        for (int i = 0; i < settings.maxNewTokens(); i++) {
            int[] context = Arrays.copyOfRange(tokens, Math.max(0, length - seqLen), length);
            int next = pick(model.nextTokenLogits(context), settings, drawable, random);
            tokens[length++] = next;
            onToken.accept(next);
        }
    }

    /** The next id: the most likely at temperature 0 (the lowest id on a tie), else a draw as the settings say. */
    static int pick(float[] logits, SamplingSettings settings, int drawable, SplittableRandom random) {
        int bytes = Math.min(logits.length, drawable);
        if (settings.greedy()) {
            int best = 0;
            for (int id = 1; id < bytes; id++) {
                if (logits[id] > logits[best]) {
                    best = id;
                }
            }
            return best;
        }
        int kept = settings.topK() == 0 ? bytes : Math.min(settings.topK(), bytes);
        int[] candidates = IntStream.range(0, bytes).boxed()
                .sorted(Comparator.comparingDouble((Integer id) -> -logits[id]).thenComparingInt(id -> id))
                .limit(kept).mapToInt(Integer::intValue).toArray();
        double max = logits[candidates[0]];
        double[] weights = new double[kept];
        double total = 0;
        for (int i = 0; i < kept; i++) {
            weights[i] = Math.exp((logits[candidates[i]] - max) / settings.temperature());
            total += weights[i];
        }
        double draw = random.nextDouble() * total;
        for (int i = 0; i < kept; i++) {
            draw -= weights[i];
            if (draw < 0) {
                return candidates[i];
            }
        }
        return candidates[kept - 1]; // the draw landed on the rounding error of the total
    }
}
