package dev.apollo.run.cluster;

/**
 * The workers {@code apollo train --workers N} starts on this machine, attached to the coordinator's media driver:
 * child processes ({@link WorkerProcesses}), or threads of this process ({@link WorkerThreads}). Closing waits a
 * while for them to finish by themselves, then stops the rest.
 */
interface LocalWorkers extends AutoCloseable {

    /** What was started, for the console: how many, and their pids when they are processes. */
    String describe();

    @Override
    void close();
}
