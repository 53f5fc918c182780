package dev.apollo.worker.model;

import static dev.apollo.protocol.TensorNames.EMBEDDING_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.EMBEDDING_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLM_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_DENSE_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_DENSE_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLM_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.TOKEN_EMBEDDING;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.apollo.config.ModelConfig;

/**
 * BERT: a post-LN bidirectional encoder trained by masked language modelling, with BERT's prediction head
 * (dense, GELU, LayerNorm, decoder tied to the token embedding plus a bias). Targets below zero are positions
 * that were not masked and are not predicted.
 */
public final class Bert implements LanguageModel {

    private final ModelConfig shape;

    public Bert(ModelConfig shape) {
        this.shape = shape;
    }

    @Override
    public NDArray loss(ModelParameters params, int[] layerMap, NDArray inputs, NDArray targets) {
        return Layers.crossEntropy(logits(params, layerMap, inputs), targets, true);
    }

    /** Token logits [B, T, V] at every position. */
    public NDArray logits(ModelParameters params, int[] layerMap, NDArray inputs) {
        float eps = (float) shape.layerNormEps();
        NDArray tokenEmbedding = params.get(TOKEN_EMBEDDING);
        NDArray x = Layers.embed(params, inputs);
        x = Layers.layerNorm(x, params.get(EMBEDDING_NORM_WEIGHT), params.get(EMBEDDING_NORM_BIAS), eps);
        for (int weight : layerMap) {
            Block block = params.block(weight);
            x = Layers.layerNorm(x.add(Layers.selfAttention(x, block, shape.heads(), null)),
                    block.norm1Weight(), block.norm1Bias(), eps);
            x = Layers.layerNorm(x.add(Layers.mlp(x, block)), block.norm2Weight(), block.norm2Bias(), eps);
        }
        NDArray h = Activation.gelu(Layers.linear(x, params.get(MLM_DENSE_WEIGHT), params.get(MLM_DENSE_BIAS)));
        h = Layers.layerNorm(h, params.get(MLM_NORM_WEIGHT), params.get(MLM_NORM_BIAS), eps);
        return h.matMul(tokenEmbedding.transpose()).add(params.get(MLM_BIAS));
    }
}
