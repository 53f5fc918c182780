package dev.apollo.cluster;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.Pool;
import com.typesafe.config.Config;
import dev.apollo.protocol.WireRegistry;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.JSerializer;

/**
 * The Pekko serializer of the control messages: Kryo with registration required, ids from the order of
 * {@link WireRegistry#CLASSES}, references off. A class that is not registered is refused on both sides and never
 * instantiated; a message that serializes to more than {@code apollo.wire.max-message-bytes} is refused.
 *
 * <p>A {@link JSerializer} without a manifest rather than a {@code SerializerWithStringManifest}: Kryo's bytes begin
 * with the class's registration id, so a manifest would say the same thing again in every frame.
 */
public final class KryoSerializer extends JSerializer {

    /** The serializer's id in Pekko's serialization registry ("APOL"); Pekko reserves 0 to 40. */
    public static final int IDENTIFIER = 0x41504F4C;
    /** Config key of the size limit of one serialized message, in bytes. */
    public static final String MAX_MESSAGE_BYTES_KEY = "apollo.wire.max-message-bytes";
    /** Wire id of {@code WireRegistry.CLASSES.get(0)}; below it are Kryo's own primitives and String. */
    static final int FIRST_ID = 16;

    private final int maxMessageBytes;
    // Kryo instances are not thread-safe and costly to set up: one per concurrent caller, kept for reuse.
    private final Pool<Kryo> kryos = new Pool<>(true, false, Runtime.getRuntime().availableProcessors() * 2) {
        @Override
        protected Kryo create() {
            return newKryo();
        }
    };

    /** The constructor Pekko calls; reads the size limit from the system's config. */
    public KryoSerializer(ExtendedActorSystem system) {
        this(maxMessageBytes(system.settings().config()));
    }

    /** A serializer refusing messages over {@code maxMessageBytes} bytes (for use and tests outside Pekko). */
    public KryoSerializer(int maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException(MAX_MESSAGE_BYTES_KEY + " must be positive, got " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    private static int maxMessageBytes(Config config) {
        return config.hasPath(MAX_MESSAGE_BYTES_KEY)
                ? (int) config.getBytes(MAX_MESSAGE_BYTES_KEY).longValue()
                : ClusterConfigs.DEFAULT_MAX_MESSAGE_BYTES;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public byte[] toBinary(Object message) {
        String name = message.getClass().getName();
        byte[] bytes;
        Kryo kryo = kryos.obtain();
        try (Output output = new Output(4096, -1)) {
            kryo.writeClassAndObject(output, message);
            bytes = output.toBytes();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot send " + name + ": " + firstLine(e), e);
        } finally {
            kryos.free(kryo);
        }
        if (bytes.length > maxMessageBytes) {
            throw new IllegalArgumentException("cannot send " + name + ": it serializes to " + bytes.length
                    + " bytes, over the " + maxMessageBytes + "-byte limit of a control message ("
                    + MAX_MESSAGE_BYTES_KEY + ")");
        }
        return bytes;
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        if (bytes.length > maxMessageBytes) {
            throw new IllegalArgumentException("refusing a message of " + bytes.length + " bytes, over the "
                    + maxMessageBytes + "-byte limit of a control message (" + MAX_MESSAGE_BYTES_KEY + ")");
        }
        Kryo kryo = kryos.obtain();
        try (Input input = new Input(bytes)) {
            Object message = kryo.readClassAndObject(input);
            if (message == null) {
                throw new IllegalArgumentException("the bytes hold no message");
            }
            return message;
        } catch (RuntimeException e) { // foreign bytes: whatever reading them throws is a refusal
            throw new IllegalArgumentException("refusing a message of " + bytes.length + " bytes: " + firstLine(e)
                    + " (wire protocol version " + WireRegistry.PROTOCOL_VERSION + ")", e);
        } finally {
            kryos.free(kryo);
        }
    }

    /** The first line of the innermost message: Kryo wraps the cause and appends its serialization trace. */
    private static String firstLine(Throwable e) {
        Throwable innermost = e;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        String message = String.valueOf(innermost.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static Kryo newKryo() {
        Kryo kryo = new WireKryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        int id = FIRST_ID;
        for (Class<?> type : WireRegistry.CLASSES) {
            if (List.class.isAssignableFrom(type)) {
                kryo.register(type, new ImmutableListSerializer(), id++);
            } else {
                kryo.register(type, id++);
            }
        }
        return kryo;
    }

    /** Kryo that names the registry in its refusals and reads classes by id only. */
    private static final class WireKryo extends Kryo {

        WireKryo() {
            super(new IdOnlyClassResolver(), null); // no reference resolver: references off
        }

        @Override
        protected String unregisteredClassMessage(Class type) {
            return type.getName() + " is not in WireRegistry.CLASSES, so it never crosses processes";
        }

        /**
         * Only registered types count as final: a record component whose declared type never crosses (a
         * {@code TensorState}) is then written with its class, which lets it travel as null and refuses it otherwise.
         */
        @Override
        public boolean isFinal(Class type) {
            return super.isFinal(type) && getClassResolver().getRegistration(type) != null;
        }
    }

    /** Refuses bytes that name a class by its name instead of a registration id: that would load any class. */
    private static final class IdOnlyClassResolver extends DefaultClassResolver {

        @Override
        protected Registration readName(Input input) {
            throw new KryoException("the bytes name a class by name; only WireRegistry ids are accepted");
        }
    }

    /** The lists of the records ({@code List.copyOf}'s classes): the size, then each element with its class. */
    private static final class ImmutableListSerializer extends Serializer<List<?>> {

        ImmutableListSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            for (Object element : list) {
                kryo.writeClassAndObject(output, element);
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            int size = input.readVarInt(true);
            if (size > input.limit() - input.position()) { // every element takes at least one byte
                throw new KryoException("a list claims " + size + " elements in fewer bytes");
            }
            Object[] elements = new Object[size];
            for (int i = 0; i < size; i++) {
                elements[i] = kryo.readClassAndObject(input);
            }
            return List.of(elements);
        }
    }
}
