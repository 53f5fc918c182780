package dev.apollo.cli.cluster;

import java.util.Locale;

/**
 * The phases of one long scripted scenario, run in order and logged as they start and end, so that a failure names
 * the phase it happened in rather than only the line of an assertion.
 */
final class Phases {

    /** One phase's body: anything a test does, assertions included. */
    interface Body {
        void run() throws Exception;
    }

    /** A phase's body that hands the next phases what it found (an id, a process). */
    interface Finding<T> {
        T get() throws Exception;
    }

    private final String scenario;
    private final long started = System.nanoTime();
    private int number;

    Phases(String scenario) {
        this.scenario = scenario;
    }

    void run(String name, Body body) throws Exception {
        get(name, () -> {
            body.run();
            return null;
        });
    }

    <T> T get(String name, Finding<T> body) throws Exception {
        number++;
        String phase = String.format(Locale.ROOT, "%s, phase %d (%s)", scenario, number, name);
        System.out.printf(Locale.ROOT, "%s at %.1f s%n", phase, seconds());
        try {
            return body.get();
        } catch (Exception | AssertionError e) {
            throw new AssertionError(phase + " failed at " + String.format(Locale.ROOT, "%.1f s: ", seconds())
                    + e.getMessage(), e);
        }
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }
}
