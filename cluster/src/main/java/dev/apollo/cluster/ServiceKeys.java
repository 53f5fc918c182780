package dev.apollo.cluster;

import dev.apollo.protocol.CoordinatorMessage;
import dev.apollo.protocol.WorkerMessage;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** How the two roles find each other through the Receptionist: no addresses besides the coordinator's seed. */
public final class ServiceKeys {

    /** The run's coordinator; there is one. */
    public static final ServiceKey<CoordinatorMessage> COORDINATOR =
            ServiceKey.create(CoordinatorMessage.class, "apollo-coordinator");

    /** Every worker process that joined, accepted or not yet. */
    public static final ServiceKey<WorkerMessage> WORKERS = ServiceKey.create(WorkerMessage.class, "apollo-workers");

    private ServiceKeys() {}
}
