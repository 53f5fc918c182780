package dev.apollo.cluster;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The Java key store (this node's certificate and private key, whose password is the store's) and trust store
 * (the certificates it accepts from peers) of Artery's {@code tls-tcp} transport. Both sides authenticate.
 */
public record TlsStores(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {

    public TlsStores {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(keyStorePassword, "keyStorePassword");
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(trustStorePassword, "trustStorePassword");
    }

    @Override
    public String toString() { // never the passwords
        return "TlsStores[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
    }
}
