package dev.apollo.cluster;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import org.apache.pekko.cluster.Valid;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a joining node whose cluster secret or wire protocol differs. Pekko runs it on the seed with the joiner's
 * values ({@code apollo.wire.secret-digest}, {@code apollo.wire.protocol-version}); the seed logs the messages at
 * WARNING, and the joiner, told its configuration is incompatible, shuts its actor system down.
 *
 * <p>This catches a node of another cluster or another build. It is not authentication: the digest travels in the
 * clear over {@code tcp}; keeping strangers out is {@code tls-tcp}'s job, with mutual authentication.
 */
public final class WireCompatChecker extends JoinConfigCompatChecker {

    private static final Seq<String> REQUIRED_KEYS = CollectionConverters.asScala(
            List.of(ClusterConfigs.SECRET_DIGEST_KEY, ClusterConfigs.PROTOCOL_VERSION_KEY)).toList();

    /** Pekko instantiates checkers through this constructor. */
    public WireCompatChecker() {}

    @Override
    public Seq<String> requiredKeys() {
        return REQUIRED_KEYS;
    }

    @Override
    public ConfigValidation check(Config toCheck, Config actualConfig) {
        List<String> problems = new ArrayList<>();
        String digestKey = ClusterConfigs.SECRET_DIGEST_KEY;
        if (!toCheck.hasPath(digestKey)) {
            problems.add("no " + digestKey + ": not an apollo node");
        } else if (!toCheck.getString(digestKey).equals(actualConfig.getString(digestKey))) {
            problems.add("another cluster secret (" + digestKey + " differs)");
        }
        String versionKey = ClusterConfigs.PROTOCOL_VERSION_KEY;
        if (!toCheck.hasPath(versionKey)) {
            problems.add("no " + versionKey + ": not an apollo node");
        } else if (toCheck.getInt(versionKey) != actualConfig.getInt(versionKey)) {
            problems.add("wire protocol version " + toCheck.getInt(versionKey) + ", this node speaks "
                    + actualConfig.getInt(versionKey) + " (" + versionKey + ")");
        }
        return problems.isEmpty() ? Valid.getInstance() : new Invalid(CollectionConverters.asScala(problems).toList());
    }
}
