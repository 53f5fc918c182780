package dev.apollo.worker.export;

/**
 * How {@link TextGenerator} picks tokens: {@code maxNewTokens} of them, greedily (the most likely byte) at
 * temperature 0, otherwise drawn from the softmax of logits / temperature over the {@code topK} most likely bytes
 * (all bytes when 0) by a generator seeded with {@code seed}, so a seed always gives the same text.
 */
public record SamplingSettings(int maxNewTokens, double temperature, int topK, long seed) {

    /** @throws IllegalArgumentException naming the bad value, in the words of the command-line options */
    public SamplingSettings {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("--max-new-tokens " + maxNewTokens + ": must be >= 1");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature " + temperature + ": must be a number >= 0 (0 = greedy)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k " + topK + ": must be >= 0 (0 = all bytes)");
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
