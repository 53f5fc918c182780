package dev.apollo.config;

/**
 * Transformer shape. {@code vocabSize} is the embedding's rows: the tokenizer's ids (bytes 0..255, plus BERT's four
 * special ids with the byte vocabulary) and any spare rows; {@link #AUTO_VOCAB} until a tokenizer file sets it.
 */
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

    /** {@code model.vocab-size = auto} with a tokenizer file, before the file is read. */
    public static final int AUTO_VOCAB = 0;
    public static final int BYTE_VOCAB = 256;
    /** BERT's [PAD], [CLS], [SEP] and [MASK] above the bytes. */
    public static final int BERT_BYTE_SPECIALS = 4;

    public int headDim() {
        return dModel / heads;
    }

    public int ffnDim() {
        return dModel * ffnMultiplier;
    }
}
