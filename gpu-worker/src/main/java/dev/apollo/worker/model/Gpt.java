package dev.apollo.worker.model;

import static dev.apollo.protocol.TensorNames.FINAL_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.FINAL_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.TOKEN_EMBEDDING;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.apollo.config.ModelConfig;

/**
 * GPT: a pre-LN causal language model with learned positions and an output head tied to the token embedding.
 * Read top to bottom, as nanoGPT's model.py: embed, the layers the map names, final norm, logits, loss.
 */
public final class Gpt implements LanguageModel {

    private final ModelConfig shape;
    private final NDArray causalMask;

    public Gpt(NDManager manager, ModelConfig shape) {
        this.shape = shape;
        // -inf above the diagonal: position t sees positions 0..t only.
        int seq = shape.seqLen();
        float[] mask = new float[seq * seq];
        for (int row = 0; row < seq; row++) {
            for (int column = row + 1; column < seq; column++) {
                mask[row * seq + column] = Float.NEGATIVE_INFINITY;
            }
        }
        this.causalMask = manager.create(mask, new Shape(seq, seq));
    }

    @Override
    public NDArray loss(ModelParameters params, int[] layerMap, NDArray inputs, NDArray targets) {
        return Layers.crossEntropy(logits(params, layerMap, inputs), targets, false);
    }

    /** Next-token logits [B, T, V]. */
    public NDArray logits(ModelParameters params, int[] layerMap, NDArray inputs) {
        long time = inputs.getShape().get(1);
        float eps = (float) shape.layerNormEps();
        NDArray tokenEmbedding = params.get(TOKEN_EMBEDDING);
        NDArray x = Layers.embed(params, inputs);
        NDArray mask = time == shape.seqLen() ? causalMask : causalMask.get(new NDIndex("0:{}, 0:{}", time, time));
        for (int weight : layerMap) {
            Block block = params.block(weight);
            x = x.add(Layers.selfAttention(Layers.layerNorm(x, block.norm1Weight(), block.norm1Bias(), eps), block,
                    shape.heads(), mask));
            x = x.add(Layers.mlp(Layers.layerNorm(x, block.norm2Weight(), block.norm2Bias(), eps), block));
        }
        x = Layers.layerNorm(x, params.get(FINAL_NORM_WEIGHT), params.get(FINAL_NORM_BIAS), eps);
        return x.matMul(tokenEmbedding.transpose()); // tied head
    }
}
