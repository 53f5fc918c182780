package dev.apollo.coordinator.expand;

import dev.apollo.config.MomentPolicy;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stage expansion on named buffers: new layer slot j takes a copy of old slot {@code sourceOfSlot[j]} for every
 * tensor named {@code ...layers.<i>...}; tensors outside the layer bank pass through unchanged. Adam moments of
 * the bank follow the policy: COPY with the weights, RESET to zero, or INPLACE (slot j keeps its own old moments,
 * new slots start at zero), the last being what the authors' released code does.
 */
public final class Expansion {

    private static final Pattern LAYER_INDEX = Pattern.compile("layers\\.(\\d+)\\.");

    private Expansion() {}

    public static TensorState expand(TensorState state, List<Integer> sourceOfSlot, MomentPolicy policy) {
        Map<String, NamedTensor> byName = new HashMap<>();
        List<String[]> templates = new ArrayList<>(); // tensor names split around the layer index, in order
        List<NamedTensor> expanded = new ArrayList<>();
        for (NamedTensor tensor : state.tensors()) {
            byName.put(tensor.name(), tensor);
            Matcher layer = LAYER_INDEX.matcher(tensor.name());
            if (!layer.find()) {
                expanded.add(tensor);
                continue;
            }
            if (Integer.parseInt(layer.group(1)) == 0) {
                templates.add(new String[] {tensor.name().substring(0, layer.start(1)), tensor.name().substring(layer.end(1))});
            }
        }
        for (String[] template : templates) {
            for (int slot = 0; slot < sourceOfSlot.size(); slot++) {
                String sourceName = template[0] + sourceOfSlot.get(slot) + template[1];
                NamedTensor source = byName.get(sourceName);
                if (source == null) {
                    throw new IllegalArgumentException("expansion source " + sourceName + " is missing from the state");
                }
                String name = template[0] + slot + template[1];
                expanded.add(new NamedTensor(name, source.shape(), slotValues(name, source, byName.get(name), policy)));
            }
        }
        return new TensorState(expanded, state.optimizerUpdates());
    }

    private static float[] slotValues(String name, NamedTensor source, NamedTensor ownOld, MomentPolicy policy) {
        if (!TensorState.isMoment(name) || policy == MomentPolicy.COPY) {
            return source.values().clone();
        }
        if (policy == MomentPolicy.INPLACE && ownOld != null) {
            return ownOld.values().clone();
        }
        return new float[source.values().length];
    }
}
