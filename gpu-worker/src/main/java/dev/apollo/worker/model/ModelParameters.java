package dev.apollo.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The trainable tensors of a model whose layer bank holds {@code weights} real layers (N(s)), by name:
 * {@code embed.token}, {@code embed.position}, {@code layers.<i>.<part>} for i below {@code weights}, and the
 * objective's head ({@code final_norm.*} for GPT; {@code embed.norm.*} and {@code mlm.*} for BERT). Linear weights
 * are stored [out, in], as PyTorch does.
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
        long ffn = shape.ffnDim();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("embed.token", new Shape(shape.vocabSize(), d));
        shapes.put("embed.position", new Shape(shape.seqLen(), d));
        if (shape.objective() == Objective.BERT) {
            shapes.put("embed.norm.weight", new Shape(d));
            shapes.put("embed.norm.bias", new Shape(d));
        }
        for (int i = 0; i < weights; i++) {
            String layer = "layers." + i + ".";
            shapes.put(layer + "norm1.weight", new Shape(d));
            shapes.put(layer + "norm1.bias", new Shape(d));
            shapes.put(layer + "attn.qkv.weight", new Shape(3 * d, d));
            shapes.put(layer + "attn.qkv.bias", new Shape(3 * d));
            shapes.put(layer + "attn.proj.weight", new Shape(d, d));
            shapes.put(layer + "attn.proj.bias", new Shape(d));
            shapes.put(layer + "norm2.weight", new Shape(d));
            shapes.put(layer + "norm2.bias", new Shape(d));
            shapes.put(layer + "mlp.fc.weight", new Shape(ffn, d));
            shapes.put(layer + "mlp.fc.bias", new Shape(ffn));
            shapes.put(layer + "mlp.proj.weight", new Shape(d, ffn));
            shapes.put(layer + "mlp.proj.bias", new Shape(d));
        }
        if (shape.objective() == Objective.GPT) {
            shapes.put("final_norm.weight", new Shape(d));
            shapes.put("final_norm.bias", new Shape(d));
        } else {
            shapes.put("mlm.dense.weight", new Shape(d, d));
            shapes.put("mlm.dense.bias", new Shape(d));
            shapes.put("mlm.norm.weight", new Shape(d));
            shapes.put("mlm.norm.bias", new Shape(d));
            shapes.put("mlm.bias", new Shape(shape.vocabSize()));
        }
        return shapes;
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
            String layer = "layers." + i + ".";
            blocks[i] = new Block(get(layer + "norm1.weight"), get(layer + "norm1.bias"),
                    get(layer + "attn.qkv.weight"), get(layer + "attn.qkv.bias"),
                    get(layer + "attn.proj.weight"), get(layer + "attn.proj.bias"),
                    get(layer + "norm2.weight"), get(layer + "norm2.bias"),
                    get(layer + "mlp.fc.weight"), get(layer + "mlp.fc.bias"),
                    get(layer + "mlp.proj.weight"), get(layer + "mlp.proj.bias"));
        }
    }

    private static float[] initialValues(ModelConfig shape, String name, Shape tensorShape, long seed) {
        float[] values = new float[Math.toIntExact(tensorShape.size())];
        if (name.endsWith("norm.weight") || name.endsWith("norm1.weight") || name.endsWith("norm2.weight")) {
            java.util.Arrays.fill(values, 1f);
            return values;
        }
        if (name.endsWith("bias")) {
            return values;
        }
        double std = shape.initStd();
        if (name.endsWith("attn.proj.weight") || name.endsWith("mlp.proj.weight")) {
            std /= Math.sqrt(2.0 * shape.layers()); // GPT-2: residual branches scaled by depth
        }
        // Seeded per tensor, so a tensor's values depend on (seed, name) and not on creation order.
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
