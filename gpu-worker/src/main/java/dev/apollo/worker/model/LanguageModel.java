package dev.apollo.worker.model;

import ai.djl.ndarray.NDArray;

/** A transformer objective: the mean training loss of a batch at the depth a layer map gives. */
public interface LanguageModel {

    /**
     * Loss of inputs [B, T] against targets [B, T] with {@code layerMap.length} layers, layer l computed by the
     * bank's real layer {@code layerMap[l]}.
     */
    NDArray loss(ModelParameters params, int[] layerMap, NDArray inputs, NDArray targets);
}
