package dev.apollo.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of another {@code apollo} process: this JVM's java, flags and class path, then the arguments. */
public final class ChildJvm {

    private ChildJvm() {}

    public static List<String> apollo(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a debugger or profiler agent of this JVM would clash on its port or file in the child
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> !arg.startsWith("-javaagent") && !arg.startsWith("-agentlib")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ApolloCli.class.getName()));
        command.addAll(args);
        return command;
    }
}
