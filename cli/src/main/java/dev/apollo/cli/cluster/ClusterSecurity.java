package dev.apollo.cli.cluster;

import dev.apollo.cluster.ClusterSecret;
import dev.apollo.cluster.TlsStores;
import dev.apollo.run.UsageError;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that guard a cluster: its secret, checked at join, and optionally the key and trust stores that put
 * the control plane on TLS (Artery {@code tls-tcp}). Passwords come from the environment, never the command line.
 */
public final class ClusterSecurity {

    static final String KEYSTORE_PASSWORD = "APOLLO_KEYSTORE_PASSWORD";
    static final String TRUSTSTORE_PASSWORD = "APOLLO_TRUSTSTORE_PASSWORD";

    @Option(names = "--secret-file", paramLabel = "FILE", description = "File holding the cluster secret (default: the " + ClusterSecret.ENV + " environment variable).")
    String secretFile;

    @Option(names = "--keystore", paramLabel = "FILE", description = "Java key store of this node's certificate: the control plane then runs on TLS (password in " + KEYSTORE_PASSWORD + ").")
    Path keyStore;

    @Option(names = "--truststore", paramLabel = "FILE", description = "Java trust store of the certificates this node accepts (password in " + TRUSTSTORE_PASSWORD + ", default: the key store's).")
    Path trustStore;

    /** The cluster secret, or a usage error saying where to put it. */
    String secret() {
        try {
            return ClusterSecret.resolve(secretFile, System.getenv());
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** The TLS stores, or null without {@code --keystore}. */
    TlsStores tls() {
        if (keyStore == null && trustStore == null) {
            return null;
        }
        if (keyStore == null || trustStore == null) {
            throw new UsageError("TLS needs both --keystore and --truststore");
        }
        for (Path store : new Path[] {keyStore, trustStore}) {
            if (!Files.isReadable(store)) {
                throw new UsageError("cannot read the store " + store);
            }
        }
        String keyPassword = System.getenv(KEYSTORE_PASSWORD);
        if (keyPassword == null) {
            throw new UsageError("--keystore needs its password in " + KEYSTORE_PASSWORD);
        }
        String trustPassword = System.getenv().getOrDefault(TRUSTSTORE_PASSWORD, keyPassword);
        return new TlsStores(keyStore, keyPassword, trustStore, trustPassword);
    }
}
