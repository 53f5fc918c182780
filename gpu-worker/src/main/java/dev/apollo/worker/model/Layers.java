package dev.apollo.worker.model;

import static dev.apollo.protocol.TensorNames.POSITION_EMBEDDING;
import static dev.apollo.protocol.TensorNames.TOKEN_EMBEDDING;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * The building blocks both models share. Attention is fused for the small matrices of CPU presets: one QKV matmul
 * and all heads in one batched matmul.
 */
final class Layers {

    private Layers() {}

    /** Token plus learned position embeddings of inputs [B, T]: x [B, T, d]. */
    static NDArray embed(ModelParameters params, NDArray inputs) {
        long time = inputs.getShape().get(1);
        NDArray positions = params.get(POSITION_EMBEDDING).get(new NDIndex("0:{}", time));
        return Embedding.embedding(inputs, params.get(TOKEN_EMBEDDING), SparseFormat.DENSE).singletonOrThrow().add(positions);
    }

    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, float eps) {
        return LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, eps).singletonOrThrow();
    }

    /**
     * Multi-head self-attention on x [B, T, d]; {@code additiveMask} [T, T] holds -inf where a position may not
     * look (causal), or is null to let every position see every other.
     */
    static NDArray selfAttention(NDArray x, Block block, int heads, NDArray additiveMask) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long time = shape.get(1);
        long dModel = shape.get(2);
        long headDim = dModel / heads;
        NDArray qkv = linear(x, block.qkvWeight(), block.qkvBias())
                .reshape(batch, time, 3, heads, headDim)
                .transpose(2, 0, 3, 1, 4); // [3, B, H, T, hd]
        // A tensor in the step's scope, not a Java number: DJL's mul(Number) frees its scalar right after the op,
        // but autograd keeps it for the backward pass, which then reads freed memory once a collection has run.
        NDArray queryScale = x.getManager().create((float) (1.0 / Math.sqrt(headDim)));
        NDArray q = qkv.get(0).mul(queryScale);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray scores = q.matMul(k.swapAxes(2, 3)); // [B, H, T, T]
        if (additiveMask != null) {
            scores = scores.add(additiveMask);
        }
        NDArray mixed = scores.softmax(-1).matMul(v) // [B, H, T, hd]
                .transpose(0, 2, 1, 3)
                .reshape(batch, time, dModel);
        return linear(mixed, block.attnProjWeight(), block.attnProjBias());
    }

    static NDArray mlp(NDArray x, Block block) {
        NDArray hidden = Activation.gelu(linear(x, block.fcWeight(), block.fcBias()));
        return linear(hidden, block.mlpProjWeight(), block.mlpProjBias());
    }

    /**
     * Mean cross-entropy of logits [B, T, V] against targets [B, T]; targets below zero are not predicted (BERT's
     * unmasked positions) and are left out of the mean.
     */
    static NDArray crossEntropy(NDArray logits, NDArray targets, boolean hasIgnoredTargets) {
        NDArray logProbabilities = logits.logSoftmax(-1);
        if (!hasIgnoredTargets) {
            return logProbabilities.gather(targets.expandDims(-1), -1).mean().neg();
        }
        NDArray predicted = targets.gte(0);
        NDArray picked = logProbabilities.gather(targets.maximum(0).expandDims(-1), -1).squeeze(-1);
        NDArray weights = predicted.toType(picked.getDataType(), false);
        return picked.mul(weights).sum().div(weights.sum()).neg();
    }
}
