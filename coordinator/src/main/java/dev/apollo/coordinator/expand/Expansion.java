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
        List<String> templates = new ArrayList<>(); // tensor names with the layer index replaced by %d, in order
        List<NamedTensor> expanded = new ArrayList<>();
        for (NamedTensor tensor : state.tensors()) {
            byName.put(tensor.name(), tensor);
            Matcher layer = LAYER_INDEX.matcher(tensor.name());
            if (!layer.find()) {
                expanded.add(tensor);
                continue;
            }
            String template = tensor.name().substring(0, layer.start(1)) + "%d" + tensor.name().substring(layer.end(1));
            if (Integer.parseInt(layer.group(1)) == 0) {
                templates.add(template);
            }
        }
        for (String template : templates) {
            for (int slot = 0; slot < sourceOfSlot.size(); slot++) {
                NamedTensor source = byName.get(String.format(template, sourceOfSlot.get(slot)));
                if (source == null) {
                    throw new IllegalArgumentException("expansion source " + String.format(template, sourceOfSlot.get(slot))
                            + " is missing from the state");
                }
                String name = String.format(template, slot);
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
