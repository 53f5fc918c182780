package dev.apollo.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a node's cluster secret comes from: a file (its content, without surrounding whitespace) or else the
 * environment variable {@value #ENV}. There is no cluster without a secret, loopback included: a single-machine
 * run is the embedded run, which starts no cluster, so the secret is never optional where it is read.
 */
public final class ClusterSecret {

    public static final String ENV = "APOLLO_CLUSTER_SECRET";

    private ClusterSecret() {}

    /**
     * The secret in {@code fileOrNull} when given, else in {@code env}'s {@value #ENV}; throws with a one-line
     * reason when the file cannot be read or is empty, or when neither is set.
     */
    public static String resolve(String fileOrNull, Map<String, String> env) {
        if (fileOrNull != null) {
            String secret;
            try {
                secret = Files.readString(Path.of(fileOrNull), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the cluster secret file " + fileOrNull + ": " + e);
            }
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("the cluster secret file " + fileOrNull + " is empty");
            }
            return secret;
        }
        String secret = env.get(ENV);
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("no cluster secret: set " + ENV + " or give a secret file");
        }
        return secret;
    }
}
