package dev.apollo.config;

/** Transformer shape. {@code vocabSize} counts byte ids 0..255 plus any special tokens the objective needs. */
public record ModelConfig(
        Objective objective,
        int layers,
        int dModel,
        int heads,
        int seqLen,
        int vocabSize,
        int ffnMultiplier,
        double layerNormEps,
        double initStd) {

    public int headDim() {
        return dModel / heads;
    }

    public int ffnDim() {
        return dModel * ffnMultiplier;
    }
}
