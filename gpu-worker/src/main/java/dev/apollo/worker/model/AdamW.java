package dev.apollo.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.apollo.config.OptimizerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with global-norm gradient clipping, one fused native update a tensor. Moments live in the same manager as
 * the parameters and move with them in expansions and checkpoints. Bias correction counts every optimizer update
 * of the run, so a resumed run continues exactly.
 */
public final class AdamW {

    private final OptimizerConfig config;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long updates;

    /** Moments for {@code params}: the given values where present, zeros otherwise. */
    public AdamW(NDManager manager, ModelParameters params, OptimizerConfig config, Map<String, float[]> first,
            Map<String, float[]> second, long updates) {
        this.config = config;
        this.updates = updates;
        params.byName().forEach((name, param) -> {
            firstMoments.put(name, moment(manager, param, first.get(name)));
            secondMoments.put(name, moment(manager, param, second.get(name)));
        });
    }

    /** Global L2 norm of {@code gradients} (one per parameter), before clipping. */
    public static double gradientNorm(List<NDArray> gradients) {
        NDArray sumOfSquares = null;
        for (NDArray gradient : gradients) {
            NDArray squares = gradient.square().sum();
            sumOfSquares = sumOfSquares == null ? squares : sumOfSquares.add(squares);
        }
        return Math.sqrt(sumOfSquares.getFloat());
    }

    /** One update of every parameter with {@code gradients}, in the order of {@link ModelParameters#byName()}. */
    public void update(ModelParameters params, List<NDArray> gradients, double lr, double gradientNorm) {
        updates++;
        float gradientScale = config.gradClip() > 0 && gradientNorm > config.gradClip()
                ? (float) (config.gradClip() / (gradientNorm + 1e-6)) : 1f;
        double correctedLr = lr * Math.sqrt(1 - Math.pow(config.beta2(), updates))
                / (1 - Math.pow(config.beta1(), updates));
        int index = 0;
        for (Map.Entry<String, NDArray> entry : params.byName().entrySet()) {
            NDArray param = entry.getValue();
            NDArray gradient = gradients.get(index++);
            float decay = ModelParameters.decays(entry.getKey()) ? (float) config.weightDecay() : 0f;
            param.getNDArrayInternal().adamUpdate(
                    new NDList(param, gradient, firstMoments.get(entry.getKey()),
                            secondMoments.get(entry.getKey())),
                    new NDList(param), (float) lr, (float) correctedLr, decay, gradientScale, -1f,
                    (float) config.beta1(), (float) config.beta2(), (float) config.eps(), false, true);
        }
    }

    public Map<String, NDArray> firstMoments() {
        return java.util.Collections.unmodifiableMap(firstMoments);
    }

    public Map<String, NDArray> secondMoments() {
        return java.util.Collections.unmodifiableMap(secondMoments);
    }

    public long updates() {
        return updates;
    }

    private static NDArray moment(NDManager manager, NDArray param, float[] values) {
        return values == null ? manager.zeros(param.getShape()) : manager.create(values, param.getShape());
    }
}
