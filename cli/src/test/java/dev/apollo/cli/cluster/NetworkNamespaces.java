package dev.apollo.cli.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two "hosts" on one machine: network namespaces joined by a veth pair, each end with its own address. Needs root
 * and iproute2; {@link #create} returns null where the machine does not allow it. Everything is removed on close
 * (deleting a namespace deletes its end of the pair, and the pair with it).
 */
final class NetworkNamespaces implements AutoCloseable {

    final String first;
    final String second;
    final String firstAddress;
    final String secondAddress;
    private final String firstLink;
    private final List<String> created = new ArrayList<>();

    private NetworkNamespaces(long id) {
        first = "apollo-" + id + "-a";
        second = "apollo-" + id + "-b";
        int subnet = (int) (id % 200) + 20;
        firstAddress = "10.231." + subnet + ".1";
        secondAddress = "10.231." + subnet + ".2";
        firstLink = "apv" + id % 100_000 + "a";
    }

    /** The two namespaces, or null (with the reason on stderr) where they cannot be made. */
    static NetworkNamespaces create() {
        NetworkNamespaces spaces = new NetworkNamespaces(ProcessHandle.current().pid());
        String vethA = spaces.firstLink;
        String vethB = "apv" + ProcessHandle.current().pid() % 100_000 + "b";
        try {
            spaces.ip("netns", "add", spaces.first);
            spaces.created.add(spaces.first);
            spaces.ip("netns", "add", spaces.second);
            spaces.created.add(spaces.second);
            spaces.ip("link", "add", vethA, "netns", spaces.first, "type", "veth", "peer", "name", vethB, "netns",
                    spaces.second);
            spaces.ip("-n", spaces.first, "addr", "add", spaces.firstAddress + "/24", "dev", vethA);
            spaces.ip("-n", spaces.second, "addr", "add", spaces.secondAddress + "/24", "dev", vethB);
            for (String[] up : new String[][] {{spaces.first, vethA}, {spaces.second, vethB},
                    {spaces.first, "lo"}, {spaces.second, "lo"}}) {
                spaces.ip("-n", up[0], "link", "set", up[1], "up");
            }
            return spaces;
        } catch (IOException | InterruptedException e) {
            System.err.println("network namespaces unavailable here (" + e.getMessage() + "); test skipped");
            spaces.close();
            return null;
        }
    }

    /** Cuts the link between the two hosts (the first host's end goes down), or brings it back. */
    void link(boolean up) throws IOException, InterruptedException {
        ip("-n", first, "link", "set", firstLink, up ? "up" : "down");
    }

    /** The prefix that runs a command inside {@code namespace}. */
    static List<String> in(String namespace) {
        return List.of("ip", "netns", "exec", namespace);
    }

    private void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": "
                    + new String(process.getInputStream().readAllBytes()).strip());
        }
    }

    @Override
    public void close() {
        for (String namespace : created) {
            try {
                ip("netns", "del", namespace);
            } catch (IOException | InterruptedException e) {
                System.err.println("could not remove network namespace " + namespace + ": " + e.getMessage());
            }
        }
    }
}
