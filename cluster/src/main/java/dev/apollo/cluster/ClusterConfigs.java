package dev.apollo.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.WireRegistry;
import dev.apollo.protocol.WorkerMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The Pekko configuration of an apollo node, built from typed {@link NodeSettings}: cluster provider over Artery
 * {@code tcp} (or {@code tls-tcp} with key stores), the {@link KryoSerializer} for everything in
 * {@link WireRegistry}, Java serialization off, the split-brain resolver keeping the coordinator's side, the
 * join-time check of cluster secret and wire protocol ({@link WireCompatChecker}), and CLI-quiet logging.
 *
 * <p>Keys of its own, under {@code apollo.wire}: {@code secret-digest} (SHA-256 of the secret, hex),
 * {@code protocol-version} ({@link WireRegistry#PROTOCOL_VERSION}) and {@code max-message-bytes}.
 */
public final class ClusterConfigs {

    /** The actor system's name, part of every node's address: all nodes of a cluster must share it. */
    public static final String SYSTEM_NAME = "apollo";
    public static final String SECRET_DIGEST_KEY = "apollo.wire.secret-digest";
    public static final String PROTOCOL_VERSION_KEY = "apollo.wire.protocol-version";
    /** Artery's default {@code maximum-frame-size}, which this configuration keeps. */
    public static final int MAXIMUM_FRAME_BYTES = 256 * 1024;
    /** The frame minus room for Artery's envelope (addresses, serializer id, manifest). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 240 * 1024;

    private static final String SERIALIZER_NAME = "apollo-kryo";
    private static final String SLF4J_LOGGER = "org.apache.pekko.event.slf4j.Slf4jLogger";
    private static final String LOGBACK = "ch.qos.logback.classic.LoggerContext";

    private ClusterConfigs() {}

    /** The node's configuration over {@code ConfigFactory.load()}; pass it to {@code ActorSystem.create}. */
    public static Config build(NodeSettings node) {
        return ConfigFactory.parseString(hocon(node)).withFallback(ConfigFactory.load()).resolve();
    }

    /** The Pekko address of the coordinator at {@code seed}, {@code host:port}. */
    public static String seedAddress(String seed) {
        String[] hostAndPort = parseSeed(seed);
        return "pekko://" + SYSTEM_NAME + "@" + hostAndPort[0] + ":" + hostAndPort[1];
    }

    /** Splits {@code host:port}, or says in one line what is wrong with it. */
    static String[] parseSeed(String seed) {
        int colon = seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
            throw new IllegalArgumentException("seed " + seed + " is not host:port");
        }
        String port = seed.substring(colon + 1);
        try {
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("seed " + seed + ": port " + number + " is not in 1..65535");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seed " + seed + ": port " + port + " is not a number");
        }
        return new String[] {seed.substring(0, colon), port};
    }

    /** SHA-256 of the secret, in hex: what nodes compare at join, so the secret itself never travels. */
    public static String secretDigest(String secret) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String hocon(NodeSettings node) {
        List<String> lines = new ArrayList<>();
        lines.add("pekko.actor.provider = cluster");
        lines.add("pekko.actor.allow-java-serialization = off");
        lines.add("pekko.actor.serializers." + SERIALIZER_NAME + " = " + quote(KryoSerializer.class.getName()));
        for (Class<?> type : boundTypes()) {
            lines.add("pekko.actor.serialization-bindings." + quote(type.getName()) + " = " + SERIALIZER_NAME);
        }
        lines.add("apollo.wire.max-message-bytes = " + node.maxMessageBytes());
        lines.add(SECRET_DIGEST_KEY + " = " + quote(secretDigest(node.secret())));
        lines.add(PROTOCOL_VERSION_KEY + " = " + WireRegistry.PROTOCOL_VERSION);
        lines.add("pekko.cluster.configuration-compatibility-check.checkers.apollo-wire = "
                + quote(WireCompatChecker.class.getName()));
        lines.add("pekko.cluster.configuration-compatibility-check.enforce-on-join = on");

        // Never aeron-udp: the tensor plane owns Aeron, with its own media driver.
        lines.add("pekko.remote.artery.transport = " + (node.tls() == null ? "tcp" : "tls-tcp"));
        lines.add("pekko.remote.artery.canonical.hostname = " + quote(node.host()));
        lines.add("pekko.remote.artery.canonical.port = " + node.port());
        lines.add("pekko.remote.artery.advanced.maximum-frame-size = " + MAXIMUM_FRAME_BYTES + "b");
        if (node.tls() != null) {
            String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
            lines.add(engine + "key-store = " + quote(node.tls().keyStore().toAbsolutePath().toString()));
            lines.add(engine + "key-store-password = " + quote(node.tls().keyStorePassword()));
            lines.add(engine + "key-password = " + quote(node.tls().keyStorePassword()));
            lines.add(engine + "trust-store = " + quote(node.tls().trustStore().toAbsolutePath().toString()));
            lines.add(engine + "trust-store-password = " + quote(node.tls().trustStorePassword()));
            lines.add(engine + "require-mutual-authentication = on");
        }

        lines.add("pekko.cluster.roles = [" + quote(node.role().roleName()) + "]");
        // The coordinator with a fixed port names itself; with port 0 ClusterNode.start joins it to its bound address.
        if (node.seed() != null) {
            lines.add("pekko.cluster.seed-nodes = [" + quote(seedAddress(node.seed())) + "]");
        } else if (node.port() != 0) {
            lines.add("pekko.cluster.seed-nodes = [" + quote(seedAddress(node.host() + ":" + node.port())) + "]");
        }
        lines.add("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes = " + millis(node.joinTimeout()));
        lines.add("pekko.cluster.failure-detector.acceptable-heartbeat-pause = "
                + millis(node.acceptableHeartbeatPause()));
        // Only the coordinator counts: its side is the majority, so a partition never leaves two runs, and
        // workers cut off from it down themselves.
        lines.add("pekko.cluster.downing-provider-class = "
                + quote("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"));
        lines.add("pekko.cluster.split-brain-resolver.active-strategy = keep-majority");
        lines.add("pekko.cluster.split-brain-resolver.keep-majority.role = " + quote(NodeRole.COORDINATOR.roleName()));
        lines.add("pekko.cluster.split-brain-resolver.stable-after = " + millis(node.stableAfter()));
        lines.add("pekko.cluster.jmx.enabled = off");
        // The CLI decides when the process exits, after printing why.
        lines.add("pekko.coordinated-shutdown.exit-jvm = off");

        lines.add("pekko.loglevel = WARNING");
        lines.add("pekko.stdout-loglevel = WARNING");
        lines.add("pekko.log-dead-letters = off");
        lines.add("pekko.log-dead-letters-during-shutdown = off");
        if (onClasspath(SLF4J_LOGGER) && onClasspath(LOGBACK)) {
            lines.add("pekko.loggers = [" + quote(SLF4J_LOGGER) + "]");
            lines.add("pekko.logging-filter = " + quote("org.apache.pekko.event.slf4j.Slf4jLoggingFilter"));
        }
        return String.join("\n", lines);
    }

    /** The two message interfaces, and every class of the registry by name (one a handshake may add included). */
    private static List<Class<?>> boundTypes() {
        List<Class<?>> types = new ArrayList<>(List.of(WorkerMessage.class, CoordinatorMessage.class));
        for (Class<?> type : WireRegistry.CLASSES) {
            if (type.isRecord()) {
                types.add(type);
            }
        }
        return types;
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + "ms";
    }

    private static String quote(String text) {
        return ConfigUtil.quoteString(text);
    }

    private static boolean onClasspath(String className) {
        try {
            Class.forName(className, false, ClusterConfigs.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
