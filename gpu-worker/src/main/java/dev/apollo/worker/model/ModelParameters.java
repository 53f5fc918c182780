package dev.apollo.worker.model;

import static dev.apollo.protocol.TensorNames.ATTN_PROJ_BIAS;
import static dev.apollo.protocol.TensorNames.ATTN_PROJ_WEIGHT;
import static dev.apollo.protocol.TensorNames.ATTN_QKV_BIAS;
import static dev.apollo.protocol.TensorNames.ATTN_QKV_WEIGHT;
import static dev.apollo.protocol.TensorNames.EMBEDDING_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.EMBEDDING_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.FINAL_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.FINAL_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLM_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_DENSE_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_DENSE_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLM_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLP_FC_BIAS;
import static dev.apollo.protocol.TensorNames.MLP_FC_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLP_PROJ_BIAS;
import static dev.apollo.protocol.TensorNames.MLP_PROJ_WEIGHT;
import static dev.apollo.protocol.TensorNames.NORM1_BIAS;
import static dev.apollo.protocol.TensorNames.NORM1_WEIGHT;
import static dev.apollo.protocol.TensorNames.NORM2_BIAS;
import static dev.apollo.protocol.TensorNames.NORM2_WEIGHT;
import static dev.apollo.protocol.TensorNames.POSITION_EMBEDDING;
import static dev.apollo.protocol.TensorNames.TOKEN_EMBEDDING;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.protocol.TensorNames;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The trainable tensors of a model whose layer bank holds {@code weights} real layers (N(s)), by the names of
 * {@link TensorNames}: {@code embed.token}, {@code embed.position}, {@code layers.<i>.<part>} for i below
 * {@code weights}, and the objective's head ({@code final_norm.*} for GPT; {@code embed.norm.*} and {@code mlm.*}
 * for BERT). Linear weights are stored [out, in], as PyTorch does.
 */
public final class ModelParameters {

    private final Map<String, NDArray> byName = new LinkedHashMap<>();
    private final Block[] blocks;

    private ModelParameters(int weights) {
        this.blocks = new Block[weights];
    }

    /** Fresh parameters with GPT-2's initialization: N(0, std), residual projections scaled by 1/sqrt(2L). */
    public static ModelParameters initialize(NDManager manager, ModelConfig shape, int weights, long seed) {
        ModelParameters params = new ModelParameters(weights);
        for (Map.Entry<String, Shape> entry : shapes(shape, weights).entrySet()) {
            String name = entry.getKey();
            float[] values = initialValues(shape, name, entry.getValue(), seed);
            params.put(name, manager.create(values, entry.getValue()));
        }
        params.bindBlocks();
        return params;
    }

    /** Parameters holding the given values (from a checkpoint or an expansion), shapes checked by the caller. */
    public static ModelParameters of(NDManager manager, ModelConfig shape, int weights, Map<String, float[]> values) {
        ModelParameters params = new ModelParameters(weights);
        for (Map.Entry<String, Shape> entry : shapes(shape, weights).entrySet()) {
            float[] data = values.get(entry.getKey());
            if (data == null) {
                throw new IllegalArgumentException("missing tensor " + entry.getKey());
            }
            params.put(entry.getKey(), manager.create(data, entry.getValue()));
        }
        params.bindBlocks();
        return params;
    }

    /** Every tensor name and shape of a model with {@code weights} real layers, in a fixed order. */
    public static Map<String, Shape> shapes(ModelConfig shape, int weights) {
        long d = shape.dModel();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(TOKEN_EMBEDDING, new Shape(shape.vocabSize(), d));
        shapes.put(POSITION_EMBEDDING, new Shape(shape.seqLen(), d));
        if (shape.objective() == Objective.BERT) {
            shapes.put(EMBEDDING_NORM_WEIGHT, new Shape(d));
            shapes.put(EMBEDDING_NORM_BIAS, new Shape(d));
        }
        for (int i = 0; i < weights; i++) {
            for (String suffix : TensorNames.BLOCK_SUFFIXES) {
                shapes.put(TensorNames.block(i, suffix), blockShape(shape, suffix));
            }
        }
        if (shape.objective() == Objective.GPT) {
            shapes.put(FINAL_NORM_WEIGHT, new Shape(d));
            shapes.put(FINAL_NORM_BIAS, new Shape(d));
        } else {
            shapes.put(MLM_DENSE_WEIGHT, new Shape(d, d));
            shapes.put(MLM_DENSE_BIAS, new Shape(d));
            shapes.put(MLM_NORM_WEIGHT, new Shape(d));
            shapes.put(MLM_NORM_BIAS, new Shape(d));
            shapes.put(MLM_BIAS, new Shape(shape.vocabSize()));
        }
        return shapes;
    }

    /** The shape of a layer's tensor {@code suffix}; linear weights [out, in]. */
    private static Shape blockShape(ModelConfig shape, String suffix) {
        long d = shape.dModel();
        long ffn = shape.ffnDim();
        return switch (suffix) {
            case NORM1_WEIGHT, NORM1_BIAS, ATTN_PROJ_BIAS, NORM2_WEIGHT, NORM2_BIAS, MLP_PROJ_BIAS -> new Shape(d);
            case ATTN_QKV_WEIGHT -> new Shape(3 * d, d);
            case ATTN_QKV_BIAS -> new Shape(3 * d);
            case ATTN_PROJ_WEIGHT -> new Shape(d, d);
            case MLP_FC_WEIGHT -> new Shape(ffn, d);
            case MLP_FC_BIAS -> new Shape(ffn);
            case MLP_PROJ_WEIGHT -> new Shape(d, ffn);
            default -> throw new IllegalArgumentException("no layer tensor " + suffix);
        };
    }

    /** Norm scales and biases are not decayed; matrices (embeddings included) are. */
    public static boolean decays(String name) {
        return !name.endsWith("bias") && !name.contains("norm");
    }

    public NDArray get(String name) {
        NDArray array = byName.get(name);
        if (array == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return array;
    }

    public Block block(int index) {
        return blocks[index];
    }

    public Map<String, NDArray> byName() {
        return java.util.Collections.unmodifiableMap(byName);
    }

    public Collection<NDArray> arrays() {
        return byName.values();
    }

    private void put(String name, NDArray array) {
        array.setName(name);
        array.setRequiresGradient(true);
        byName.put(name, array);
    }

    private void bindBlocks() {
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block(get(i, NORM1_WEIGHT), get(i, NORM1_BIAS),
                    get(i, ATTN_QKV_WEIGHT), get(i, ATTN_QKV_BIAS),
                    get(i, ATTN_PROJ_WEIGHT), get(i, ATTN_PROJ_BIAS),
                    get(i, NORM2_WEIGHT), get(i, NORM2_BIAS),
                    get(i, MLP_FC_WEIGHT), get(i, MLP_FC_BIAS),
                    get(i, MLP_PROJ_WEIGHT), get(i, MLP_PROJ_BIAS));
        }
    }

    /** Real layer {@code layer}'s tensor {@code suffix}. */
    private NDArray get(int layer, String suffix) {
        return get(TensorNames.block(layer, suffix));
    }

    private static float[] initialValues(ModelConfig shape, String name, Shape tensorShape, long seed) {
        float[] values = new float[Math.toIntExact(tensorShape.size())];
        if (isNormScale(name)) {
            java.util.Arrays.fill(values, 1f);
            return values;
        }
        if (name.endsWith("bias")) {
            return values;
        }
        double std = shape.initStd();
        if (isResidualProjection(name)) {
            std /= Math.sqrt(2.0 * shape.layers()); // GPT-2: residual branches scaled by depth
        }
        // Seeded per tensor, so a tensor's values depend on (seed, name) and not on creation order.
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    private static boolean isNormScale(String name) {
        if (TensorNames.isBlock(name)) {
            String suffix = TensorNames.suffixOf(name);
            return suffix.equals(NORM1_WEIGHT) || suffix.equals(NORM2_WEIGHT);
        }
        return name.equals(EMBEDDING_NORM_WEIGHT) || name.equals(FINAL_NORM_WEIGHT) || name.equals(MLM_NORM_WEIGHT);
    }

    /** The projections that end a layer's residual branches (attention's output, the MLP's second linear). */
    private static boolean isResidualProjection(String name) {
        if (!TensorNames.isBlock(name)) {
            return false;
        }
        String suffix = TensorNames.suffixOf(name);
        return suffix.equals(ATTN_PROJ_WEIGHT) || suffix.equals(MLP_PROJ_WEIGHT);
    }
}
