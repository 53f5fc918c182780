package dev.apollo.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingMethodTest {

    @Test
    void scratchIsOneStageOfEveryLayerAlwaysAtFullDepth() {
        assertEquals(List.of("stages.layers=[12]", "stages.boundaries=[]", "sampler.kind=full"),
                TrainingMethod.SCRATCH.overrides(12));
    }

    @Test
    void everyMethodsOverridesMakeAValidConfiguration() {
        for (TrainingMethod method : TrainingMethod.values()) {
            ApolloConfig config = ConfigLoader.load("tiny", null, method.overrides(4));
            assertEquals(method.samplesDepth(), config.sampler().kind() != SamplerKind.NONE, method::id);
        }
        assertFalse(TrainingMethod.STACKBERT.samplesDepth());
        assertTrue(TrainingMethod.APOLLO.samplesDepth());
    }

    @Test
    void anUnknownNameListsTheMethods() {
        assertEquals(TrainingMethod.APOLLO_S, TrainingMethod.named("Apollo-S"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingMethod.named("x"));
        assertTrue(e.getMessage().startsWith("unknown method 'x': methods are scratch, stackbert, apollo"),
                e.getMessage());
    }
}
