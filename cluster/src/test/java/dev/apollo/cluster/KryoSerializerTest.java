package dev.apollo.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apollo.protocol.NamedTensor;
import dev.apollo.protocol.PushState;
import dev.apollo.protocol.RunStep;
import dev.apollo.protocol.Shard;
import dev.apollo.protocol.TensorState;
import dev.apollo.protocol.WireRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KryoSerializerTest {

    private final KryoSerializer serializer = new KryoSerializer(ClusterConfigs.DEFAULT_MAX_MESSAGE_BYTES);

    /** A record outside the registry, as a class a future handshake might forget to register. */
    record Unregistered(String name) {}

    @Test
    void everyRegisteredClassHasASampleThatRoundTripsEqual() {
        Map<Class<?>, Object> samples = WireSamples.all();
        assertEquals(new HashSet<>(WireRegistry.CLASSES), samples.keySet(), "a sample for each registered class");
        for (Object sample : samples.values()) {
            Object back = serializer.fromBinaryJava(serializer.toBinary(sample), null);
            assertEquals(sample, back, sample.getClass().getName());
            assertEquals(sample.getClass(), back.getClass());
        }
    }

    @Test
    void wireIdsFollowTheRegistryOrder() {
        for (Map.Entry<Class<?>, Object> sample : WireSamples.all().entrySet()) {
            int id = KryoSerializer.FIRST_ID + WireRegistry.CLASSES.indexOf(sample.getKey());
            byte[] bytes = serializer.toBinary(sample.getValue());
            assertEquals(id + 2, bytes[0], sample.getKey().getName()); // Kryo writes id + 2 (0 is null, 1 a name)
        }
    }

    @Test
    void emptyListsAndNullStatesRoundTrip() {
        RunStep noShards = new RunStep(0, 0, 0, 1, 1, List.of(), 1e-3, new ArrayList<>());
        assertEquals(noShards, serializer.fromBinaryJava(serializer.toBinary(noShards), null));
        PushState push = WireSamples.PUSH_STATE;
        assertEquals(push, serializer.fromBinaryJava(serializer.toBinary(push), null));
    }

    @Test
    void serializeRefusesAnUnregisteredClass() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> serializer.toBinary(new Unregistered("x")));
        assertEquals("cannot send " + Unregistered.class.getName() + ": " + Unregistered.class.getName()
                + " is not in WireRegistry.CLASSES, so it never crosses processes", refused.getMessage());
    }

    @Test
    void serializeRefusesATensorStateAtTopLevelOrInAField() {
        TensorState state = new TensorState(List.of(new NamedTensor("embed.token", new long[] {2}, new float[2])), 0);
        IllegalArgumentException alone = assertThrows(IllegalArgumentException.class,
                () -> serializer.toBinary(state));
        assertTrue(alone.getMessage().contains(TensorState.class.getName() + " is not in WireRegistry.CLASSES"),
                alone.getMessage());
        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                () -> serializer.toBinary(new PushState(1, 1, 1, state)));
        assertTrue(inside.getMessage().startsWith("cannot send " + PushState.class.getName() + ": "
                + TensorState.class.getName() + " is not in WireRegistry.CLASSES"), inside.getMessage());
    }

    @Test
    void deserializeRefusesAnUnknownRegistrationId() {
        int unknownId = KryoSerializer.FIRST_ID + WireRegistry.CLASSES.size() + 5;
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinaryJava(new byte[] {(byte) (unknownId + 2), 0, 0}, null));
        assertTrue(refused.getMessage().contains("unregistered class ID: " + unknownId), refused.getMessage());
        assertTrue(refused.getMessage().startsWith("refusing a message of 3 bytes: "), refused.getMessage());
    }

    @Test
    void deserializeRefusesAClassNamedByName() {
        byte[] named = {1, 0, (byte) ('j' | 0x80)}; // Kryo's "class by name" marker, then a name
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinaryJava(named, null));
        assertTrue(refused.getMessage().contains("only WireRegistry ids are accepted"), refused.getMessage());
    }

    @Test
    void oversizedMessagesAreRefusedBothWays() {
        List<Shard> shards = IntStream.range(0, 50_000).mapToObj(i -> new Shard("worker-" + i, i, 1)).toList();
        RunStep huge = new RunStep(1, 0, 0, 1, 1, List.of(0), 1e-3, shards);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> serializer.toBinary(huge));
        assertTrue(refused.getMessage().matches("cannot send dev\\.apollo\\.protocol\\.RunStep: it serializes to "
                + "\\d+ bytes, over the 245760-byte limit of a control message \\(apollo\\.wire\\.max-message-bytes\\)"),
                refused.getMessage());

        byte[] bytes = new KryoSerializer(Integer.MAX_VALUE).toBinary(huge);
        IllegalArgumentException unread = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinaryJava(bytes, null));
        assertTrue(unread.getMessage().startsWith("refusing a message of " + bytes.length + " bytes, over the"),
                unread.getMessage());
    }

    @Test
    void truncatedBytesAreRefusedNotMisread() {
        byte[] bytes = serializer.toBinary(WireSamples.RUN_STEP);
        byte[] truncated = Arrays.copyOf(bytes, bytes.length / 2);
        assertThrows(IllegalArgumentException.class, () -> serializer.fromBinaryJava(truncated, null));
        assertArrayEquals(bytes, serializer.toBinary(serializer.fromBinaryJava(bytes, null)));
    }
}
