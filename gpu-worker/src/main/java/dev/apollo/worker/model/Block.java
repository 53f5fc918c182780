package dev.apollo.worker.model;

import ai.djl.ndarray.NDArray;

/** One real transformer layer's weights: attention (fused QKV) and MLP, each with its LayerNorm. */
public record Block(
        NDArray norm1Weight,
        NDArray norm1Bias,
        NDArray qkvWeight,
        NDArray qkvBias,
        NDArray attnProjWeight,
        NDArray attnProjBias,
        NDArray norm2Weight,
        NDArray norm2Bias,
        NDArray fcWeight,
        NDArray fcBias,
        NDArray mlpProjWeight,
        NDArray mlpProjBias) {}
