package dev.apollo.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.WireRegistry;
import dev.apollo.protocol.WorkerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.agrona.DirectBuffer;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.event.Logging;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real nodes over Artery TCP on the loopback, ephemeral ports only. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterTest {

    private static final String SECRET = "correct horse battery staple";
    private static final Duration UP_WITHIN = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ServiceKey<CoordinatorMessage> COORDINATOR_KEY =
            ServiceKey.create(CoordinatorMessage.class, "apollo-coordinator");
    private static final ServiceKey<WorkerMessage> WORKER_KEY = ServiceKey.create(WorkerMessage.class, "apollo-worker");

    private final List<ActorSystem<?>> systems = new ArrayList<>();

    @AfterEach
    void terminateSystems() {
        for (ActorSystem<?> system : systems) {
            system.terminate();
        }
        for (ActorSystem<?> system : systems) {
            system.getWhenTerminated().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
        }
    }

    private ActorSystem<Void> start(NodeSettings node) {
        ActorSystem<Void> system = ClusterNode.start(Behaviors.empty(), node);
        systems.add(system);
        return system;
    }

    private ActorSystem<Void> startCoordinator() {
        ActorSystem<Void> coordinator = start(NodeSettings.coordinator("127.0.0.1", 0, SECRET));
        ClusterNode.awaitUp(coordinator, UP_WITHIN);
        return coordinator;
    }

    private static String hostPort(ActorSystem<?> system) {
        var address = Cluster.get(system).selfMember().address();
        return address.getHost().get() + ":" + address.getPort().get();
    }

    @Test
    void coordinatorAndWorkerFormAClusterOnAgrona241AndExchangeRecordsThroughKryo() {
        Package agrona = DirectBuffer.class.getPackage();
        assertEquals("2.4.1", agrona.getImplementationVersion(), "Agrona on the classpath");
        assertTrue(DirectBuffer.class.getProtectionDomain().getCodeSource().getLocation().getPath()
                .endsWith("agrona-2.4.1.jar"));

        ActorSystem<Void> coordinator = startCoordinator();
        ActorSystem<Void> worker = start(NodeSettings.worker("127.0.0.1", 0, hostPort(coordinator), SECRET));
        ClusterNode.awaitUp(worker, UP_WITHIN);

        Set<String> upRoles = StreamSupport.stream(Cluster.get(coordinator).state().getMembers().spliterator(), false)
                .filter(member -> member.status() == MemberStatus.up())
                .map(member -> String.join(",", member.getRoles().stream().filter(r -> !r.startsWith("dc-")).toList()))
                .collect(Collectors.toSet());
        assertEquals(Set.of("coordinator", "worker"), upRoles);

        TestProbe<CoordinatorMessage> coordinatorInbox = TestProbe.create(coordinator);
        coordinator.receptionist().tell(Receptionist.register(COORDINATOR_KEY, coordinatorInbox.ref()));
        TestProbe<WorkerMessage> workerInbox = TestProbe.create(worker);
        worker.receptionist().tell(Receptionist.register(WORKER_KEY, workerInbox.ref()));

        ActorRef<CoordinatorMessage> coordinatorRef = find(worker, COORDINATOR_KEY);
        ActorRef<WorkerMessage> workerRef = find(coordinator, WORKER_KEY);

        coordinatorRef.tell(WireSamples.STEP_COMPLETED);
        assertEquals(WireSamples.STEP_COMPLETED, coordinatorInbox.receiveMessage(WAIT));
        workerRef.tell(WireSamples.RUN_STEP);
        assertEquals(WireSamples.RUN_STEP, workerInbox.receiveMessage(WAIT));
        workerRef.tell(WireSamples.PUSH_STATE);
        assertEquals(WireSamples.PUSH_STATE, workerInbox.receiveMessage(WAIT));
    }

    @Test
    void coordinatorAndWorkerJoinOverTlsTcp(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("node.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=apollo-test",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, keytool.exitValue(), new String(keytool.getInputStream().readAllBytes()));
        TlsStores stores = new TlsStores(store, "changeit", store, "changeit"); // self-signed: trusts itself

        ActorSystem<Void> coordinator = start(NodeSettings.coordinator("127.0.0.1", 0, SECRET).withTls(stores));
        ClusterNode.awaitUp(coordinator, UP_WITHIN);
        ActorSystem<Void> worker = start(
                NodeSettings.worker("127.0.0.1", 0, hostPort(coordinator), SECRET).withTls(stores));
        ClusterNode.awaitUp(worker, UP_WITHIN);

        TestProbe<CoordinatorMessage> coordinatorInbox = TestProbe.create(coordinator);
        coordinator.receptionist().tell(Receptionist.register(COORDINATOR_KEY, coordinatorInbox.ref()));
        find(worker, COORDINATOR_KEY).tell(WireSamples.STEP_COMPLETED);
        assertEquals(WireSamples.STEP_COMPLETED, coordinatorInbox.receiveMessage(WAIT));
    }

    /** What the product's worker does to reach the coordinator: a bounded wait for the first listing with it. */
    private static <T> ActorRef<T> find(ActorSystem<?> system, ServiceKey<T> key) {
        TestProbe<Receptionist.Listing> listings = TestProbe.create(system);
        system.receptionist().tell(Receptionist.subscribe(key, listings.ref()));
        Receptionist.Listing listing = listings.fishForMessage(WAIT, "a listing of " + key.id(), l ->
                l.getServiceInstances(key).isEmpty() ? FishingOutcomes.continueAndIgnore() : FishingOutcomes.complete())
                .get(0);
        return listing.getServiceInstances(key).iterator().next();
    }

    @Test
    void aWorkerWithAnotherSecretIsRefusedAtJoinAndTheSeedSaysWhy() {
        assertRefused(NodeSettings.worker("127.0.0.1", 0, "127.0.0.1:1", "another secret"), null,
                "another cluster secret (apollo.wire.secret-digest differs)");
    }

    @Test
    void aWorkerOfAnotherProtocolVersionIsRefusedAtJoinAndTheSeedSaysWhy() {
        assertRefused(NodeSettings.worker("127.0.0.1", 0, "127.0.0.1:1", SECRET),
                ClusterConfigs.PROTOCOL_VERSION_KEY,
                "wire protocol version " + (WireRegistry.PROTOCOL_VERSION + 1) + ", this node speaks "
                        + WireRegistry.PROTOCOL_VERSION);
    }

    /** Joins {@code joiner} (its seed replaced by the coordinator's; its protocol version bumped if asked). */
    private void assertRefused(NodeSettings joiner, String bumpedKey, String seedSays) {
        ActorSystem<Void> coordinator = startCoordinator();
        TestProbe<Logging.Warning> warnings = TestProbe.create(coordinator);
        coordinator.eventStream().tell(new EventStream.Subscribe<>(Logging.Warning.class, warnings.ref()));

        NodeSettings worker = new NodeSettings(joiner.role(), joiner.host(), 0, hostPort(coordinator),
                joiner.secret(), null, joiner.stableAfter(), joiner.acceptableHeartbeatPause(), joiner.joinTimeout(),
                joiner.maxMessageBytes());
        Config config = ClusterConfigs.build(worker);
        if (bumpedKey != null) {
            config = config.withValue(bumpedKey, ConfigValueFactory.fromAnyRef(WireRegistry.PROTOCOL_VERSION + 1));
        }
        ActorSystem<Void> refused = ActorSystem.create(Behaviors.empty(), ClusterConfigs.SYSTEM_NAME, config);
        systems.add(refused);

        long start = System.nanoTime();
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> ClusterNode.awaitUp(refused, UP_WITHIN));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(error.getMessage().endsWith("was refused by the coordinator: another cluster secret or wire "
                + "protocol version (the coordinator's log says which)"), error.getMessage());
        assertTrue(millis < 5_000, "the joiner learns of the refusal within a few hundred ms, took " + millis);

        warnings.fishForMessage(WAIT, "the seed's warning", warning ->
                String.valueOf(warning.message()).contains(seedSays)
                        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());

        List<Member> members = new ArrayList<>();
        Cluster.get(coordinator).state().getMembers().forEach(members::add);
        assertEquals(List.of(Cluster.get(coordinator).selfMember()), members, "the seed's view: itself alone");
    }

    @Test
    void everyRegisteredRecordIsBoundToKryo() {
        ActorSystem<Void> coordinator = start(NodeSettings.coordinator("127.0.0.1", 0, SECRET));
        Serialization serialization = SerializationExtension.get(coordinator);
        for (Object sample : WireSamples.all().values()) {
            if (sample.getClass().isRecord()) {
                assertEquals(KryoSerializer.IDENTIFIER, serialization.findSerializerFor(sample).identifier(),
                        sample.getClass().getName());
            }
        }
    }
}
