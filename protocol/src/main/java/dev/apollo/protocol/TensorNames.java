package dev.apollo.protocol;

import java.util.List;

/**
 * The names of a model's trainable tensors, spelled once for the worker (which creates, trains and checkpoints
 * them), the coordinator (which expands the layer bank) and the export (which maps them to Hugging Face's names).
 * Checkpoints hold tensors under these names, so they are part of the checkpoint format.
 *
 * <p>A model has the token and position embeddings, then (BERT) the embedding norm, then the bank of N(s) real
 * layers, each with the twelve tensors {@code layers.<i>.<suffix>} of {@link #BLOCK_SUFFIXES} in that order, then
 * the objective's head: the final norm (GPT) or the masked-LM head (BERT). Adam's moments of a tensor are named
 * with {@link TensorState#FIRST_MOMENT_PREFIX} or {@link TensorState#SECOND_MOMENT_PREFIX} before its name.
 */
public final class TensorNames {

    public static final String TOKEN_EMBEDDING = "embed.token";
    public static final String POSITION_EMBEDDING = "embed.position";
    /** BERT's LayerNorm after the embeddings. */
    public static final String EMBEDDING_NORM_WEIGHT = "embed.norm.weight";
    public static final String EMBEDDING_NORM_BIAS = "embed.norm.bias";
    /** GPT's LayerNorm before the output head (tied to the token embedding). */
    public static final String FINAL_NORM_WEIGHT = "final_norm.weight";
    public static final String FINAL_NORM_BIAS = "final_norm.bias";
    /** BERT's prediction head: dense, GELU, LayerNorm, then the token embedding (tied) plus a bias. */
    public static final String MLM_DENSE_WEIGHT = "mlm.dense.weight";
    public static final String MLM_DENSE_BIAS = "mlm.dense.bias";
    public static final String MLM_NORM_WEIGHT = "mlm.norm.weight";
    public static final String MLM_NORM_BIAS = "mlm.norm.bias";
    public static final String MLM_BIAS = "mlm.bias";

    /** What every layer-bank tensor's name starts with, followed by the layer index and a dot. */
    public static final String BLOCK_PREFIX = "layers.";

    public static final String NORM1_WEIGHT = "norm1.weight";
    public static final String NORM1_BIAS = "norm1.bias";
    public static final String ATTN_QKV_WEIGHT = "attn.qkv.weight";
    public static final String ATTN_QKV_BIAS = "attn.qkv.bias";
    public static final String ATTN_PROJ_WEIGHT = "attn.proj.weight";
    public static final String ATTN_PROJ_BIAS = "attn.proj.bias";
    public static final String NORM2_WEIGHT = "norm2.weight";
    public static final String NORM2_BIAS = "norm2.bias";
    public static final String MLP_FC_WEIGHT = "mlp.fc.weight";
    public static final String MLP_FC_BIAS = "mlp.fc.bias";
    public static final String MLP_PROJ_WEIGHT = "mlp.proj.weight";
    public static final String MLP_PROJ_BIAS = "mlp.proj.bias";

    /** A layer's twelve tensors, in the order a model and its checkpoints hold them. */
    public static final List<String> BLOCK_SUFFIXES = List.of(
            NORM1_WEIGHT, NORM1_BIAS,
            ATTN_QKV_WEIGHT, ATTN_QKV_BIAS,
            ATTN_PROJ_WEIGHT, ATTN_PROJ_BIAS,
            NORM2_WEIGHT, NORM2_BIAS,
            MLP_FC_WEIGHT, MLP_FC_BIAS,
            MLP_PROJ_WEIGHT, MLP_PROJ_BIAS);

    private TensorNames() {}

    /** {@code layers.<layer>.}, what the names of real layer {@code layer}'s tensors start with. */
    public static String blockPrefix(int layer) {
        if (layer < 0) {
            throw new IllegalArgumentException("layer index " + layer + " is negative");
        }
        return BLOCK_PREFIX + layer + "."; // Integer.toString: ASCII digits in every locale
    }

    /** {@code layers.<layer>.<suffix>}, e.g. {@code block(3, ATTN_QKV_WEIGHT)} is {@code layers.3.attn.qkv.weight}. */
    public static String block(int layer, String suffix) {
        return blockPrefix(layer) + suffix;
    }

    /**
     * The layer index of a layer-bank tensor's name ({@code layers.<i>.<suffix>}, i in ASCII digits, suffix not
     * empty), or -1 for any other name, a moment's name ({@code adam.m.layers...}) included. An index too large
     * for an int is a {@link NumberFormatException}.
     */
    public static int layerOf(String name) {
        if (!name.startsWith(BLOCK_PREFIX)) {
            return -1;
        }
        int start = BLOCK_PREFIX.length();
        int dot = name.indexOf('.', start);
        if (dot == start || dot < 0 || dot == name.length() - 1) {
            return -1;
        }
        for (int i = start; i < dot; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Integer.parseInt(name, start, dot, 10);
    }

    /** Whether {@code name} is a layer-bank tensor's, as {@link #layerOf} reads it. */
    public static boolean isBlock(String name) {
        return layerOf(name) >= 0;
    }

    /** The part of a layer-bank tensor's name after {@code layers.<i>.}, e.g. {@code attn.qkv.weight}. */
    public static String suffixOf(String name) {
        if (!isBlock(name)) {
            throw new IllegalArgumentException(name + " is not named " + BLOCK_PREFIX + "<i>.<part>");
        }
        return name.substring(name.indexOf('.', BLOCK_PREFIX.length()) + 1);
    }
}
