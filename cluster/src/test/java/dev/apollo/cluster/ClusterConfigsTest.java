package dev.apollo.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.apollo.protocol.WireRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterConfigsTest {

    private static final String SECRET = "s3cret-value";

    @Test
    void splitBrainResolverKeepsTheCoordinatorsSide() {
        for (NodeSettings node : List.of(NodeSettings.coordinator("127.0.0.1", 0, SECRET),
                NodeSettings.worker("127.0.0.1", 0, "10.0.0.1:2552", SECRET))) {
            Config config = ClusterConfigs.build(node);
            assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
                    config.getString("pekko.cluster.downing-provider-class"));
            assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
            assertEquals("coordinator", config.getString("pekko.cluster.split-brain-resolver.keep-majority.role"));
            assertEquals(5, config.getDuration("pekko.cluster.split-brain-resolver.stable-after").toSeconds());
            assertEquals(5, config.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause").toSeconds());
        }
    }

    @Test
    void nodeSettingsBecomeArteryTcpClusterConfig() {
        Config worker = ClusterConfigs.build(NodeSettings.worker("10.0.0.2", 0, "10.0.0.1:2552", SECRET)
                .withStableAfter(java.time.Duration.ofSeconds(3)));
        assertEquals("cluster", worker.getString("pekko.actor.provider"));
        assertEquals("tcp", worker.getString("pekko.remote.artery.transport"));
        assertEquals("10.0.0.2", worker.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(0, worker.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of("pekko://apollo@10.0.0.1:2552"), worker.getStringList("pekko.cluster.seed-nodes"));
        assertEquals(List.of("worker"), worker.getStringList("pekko.cluster.roles"));
        assertEquals(3, worker.getDuration("pekko.cluster.split-brain-resolver.stable-after").toSeconds());
        assertFalse(worker.getBoolean("pekko.actor.allow-java-serialization"));
        assertEquals("apollo-kryo",
                worker.getString("pekko.actor.serialization-bindings.\"dev.apollo.protocol.WorkerMessage\""));
        assertEquals("apollo-kryo",
                worker.getString("pekko.actor.serialization-bindings.\"dev.apollo.protocol.CoordinatorMessage\""));
        assertEquals(KryoSerializer.class.getName(), worker.getString("pekko.actor.serializers.apollo-kryo"));
        assertEquals(WireRegistry.PROTOCOL_VERSION, worker.getInt(ClusterConfigs.PROTOCOL_VERSION_KEY));
        assertEquals(ClusterConfigs.secretDigest(SECRET), worker.getString(ClusterConfigs.SECRET_DIGEST_KEY));
        assertEquals(WireCompatChecker.class.getName(),
                worker.getString("pekko.cluster.configuration-compatibility-check.checkers.apollo-wire"));
        assertEquals("WARNING", worker.getString("pekko.loglevel"));
        assertEquals(List.of("org.apache.pekko.event.slf4j.Slf4jLogger"), worker.getStringList("pekko.loggers"));
        assertFalse(worker.root().render(ConfigRenderOptions.concise()).contains(SECRET), "the secret itself");

        Config fixedCoordinator = ClusterConfigs.build(NodeSettings.coordinator("10.0.0.1", 2552, SECRET));
        assertEquals(List.of("pekko://apollo@10.0.0.1:2552"),
                fixedCoordinator.getStringList("pekko.cluster.seed-nodes"));
        assertEquals(List.of(), ClusterConfigs.build(NodeSettings.coordinator("10.0.0.1", 0, SECRET))
                .getStringList("pekko.cluster.seed-nodes"));
    }

    @Test
    void tlsStoresSwitchToTlsTcp() {
        TlsStores stores = new TlsStores(Path.of("/etc/apollo/node.p12"), "kpw", Path.of("/etc/apollo/trust.p12"), "tpw");
        Config config = ClusterConfigs.build(NodeSettings.coordinator("10.0.0.1", 2552, SECRET).withTls(stores));
        assertEquals("tls-tcp", config.getString("pekko.remote.artery.transport"));
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        assertEquals("/etc/apollo/node.p12", config.getString(engine + "key-store"));
        assertEquals("kpw", config.getString(engine + "key-store-password"));
        assertEquals("/etc/apollo/trust.p12", config.getString(engine + "trust-store"));
        assertEquals("tpw", config.getString(engine + "trust-store-password"));
        assertTrue(config.getBoolean(engine + "require-mutual-authentication"));
        assertFalse(stores.toString().contains("kpw"));
    }

    @Test
    void settingsRefuseWhatCannotWork() {
        assertEquals("seed 10.0.0.1 is not host:port", assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.worker("127.0.0.1", 0, "10.0.0.1", SECRET)).getMessage());
        assertEquals("seed h:0: port 0 is not in 1..65535", assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.worker("127.0.0.1", 0, "h:0", SECRET)).getMessage());
        assertEquals("maxMessageBytes 300000 is not in 1..262144 (Artery's frame)",
                assertThrows(IllegalArgumentException.class, () -> NodeSettings.coordinator("127.0.0.1", 0, SECRET)
                        .withMaxMessageBytes(300_000)).getMessage());
        assertFalse(NodeSettings.coordinator("127.0.0.1", 0, SECRET).toString().contains(SECRET));
    }

    @Test
    void secretComesFromTheFileElseTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
        assertEquals("from-file", ClusterSecret.resolve(file.toString(), Map.of(ClusterSecret.ENV, "from-env")));
        assertEquals("from-env", ClusterSecret.resolve(null, Map.of(ClusterSecret.ENV, "from-env")));
        assertEquals("no cluster secret: set APOLLO_CLUSTER_SECRET or give a secret file",
                assertThrows(IllegalArgumentException.class, () -> ClusterSecret.resolve(null, Map.of()))
                        .getMessage());
        Path empty = Files.writeString(dir.resolve("empty"), " \n");
        assertEquals("the cluster secret file " + empty + " is empty", assertThrows(IllegalArgumentException.class,
                () -> ClusterSecret.resolve(empty.toString(), Map.of())).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ClusterSecret.resolve(dir.resolve("missing").toString(), Map.of())).getMessage()
                .startsWith("cannot read the cluster secret file "));
    }
}
