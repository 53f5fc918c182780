package dev.apollo.coordinator.expand;

import dev.apollo.config.MomentPolicy;
import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.TensorNames;
import dev.apollo.protocol.TensorState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage expansion on named buffers: new layer slot j takes a copy of old slot {@code sourceOfSlot[j]} for every
 * layer-bank tensor ({@code layers.<i>.<part>}, and its Adam moments {@code adam.m.layers.<i>.<part>} and
 * {@code adam.v.layers.<i>.<part>}); tensors outside the layer bank pass through unchanged. Adam moments of the
 * bank follow the policy: COPY with the weights, RESET to zero, or INPLACE (slot j keeps its own old moments, new
 * slots start at zero), the last being what the authors' released code does.
 */
public final class Expansion {

    private Expansion() {}

    /** A bank tensor's name without its layer index: the moment prefix (or none) and the part after the index. */
    private record Template(String momentPrefix, String suffix) {

        String at(int slot) {
            return momentPrefix + TensorNames.block(slot, suffix);
        }
    }

    public static TensorState expand(TensorState state, List<Integer> sourceOfSlot, MomentPolicy policy) {
        Map<String, NamedTensor> byName = new HashMap<>();
        List<Template> templates = new ArrayList<>(); // the bank's tensors of layer 0, in order
        List<NamedTensor> expanded = new ArrayList<>();
        for (NamedTensor tensor : state.tensors()) {
            byName.put(tensor.name(), tensor);
            String momentPrefix = momentPrefix(tensor.name());
            String parameter = tensor.name().substring(momentPrefix.length());
            int layer = TensorNames.layerOf(parameter);
            if (layer < 0) {
                expanded.add(tensor);
                continue;
            }
            if (layer == 0) {
                templates.add(new Template(momentPrefix, TensorNames.suffixOf(parameter)));
            }
        }
        for (Template template : templates) {
            for (int slot = 0; slot < sourceOfSlot.size(); slot++) {
                String sourceName = template.at(sourceOfSlot.get(slot));
                NamedTensor source = byName.get(sourceName);
                if (source == null) {
                    throw new IllegalArgumentException("expansion source " + sourceName + " is missing from the state");
                }
                String name = template.at(slot);
                expanded.add(new NamedTensor(name, source.shape(), slotValues(name, source, byName.get(name), policy)));
            }
        }
        return new TensorState(expanded, state.optimizerUpdates());
    }

    private static String momentPrefix(String name) {
        if (name.startsWith(TensorState.FIRST_MOMENT_PREFIX)) {
            return TensorState.FIRST_MOMENT_PREFIX;
        }
        if (name.startsWith(TensorState.SECOND_MOMENT_PREFIX)) {
            return TensorState.SECOND_MOMENT_PREFIX;
        }
        return "";
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
