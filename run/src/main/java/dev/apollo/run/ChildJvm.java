package dev.apollo.run;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of another {@code apollo} process: this JVM's java, flags and class path, then the arguments. */
public final class ChildJvm {

    /** The CLI's entry point, which this module cannot see: a test in {@code cli} checks the name. */
    public static final String MAIN_CLASS = "dev.apollo.cli.ApolloCli";

    private ChildJvm() {}

    public static List<String> apollo(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a debugger or profiler agent of this JVM would clash on its port or file in the child
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> !arg.startsWith("-javaagent") && !arg.startsWith("-agentlib")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS));
        command.addAll(args);
        return command;
    }
}
