package dev.apollo.sim;

import java.util.Locale;
import java.util.Map;

/**
 * A modelled cluster: {@code workers} identical devices, each with a peak rate, a memory, and one network link
 * of the given bandwidth and latency. {@code utilization} is the fraction of the peak a training step achieves
 * (model FLOPs utilization).
 *
 * @param workers      devices, one worker each
 * @param device       the preset the figures came from, for display
 * @param peakFlops    FLOP/s of one device at its dense 16-bit peak
 * @param memoryBytes  memory of one device
 * @param linkBytesPerSecond one worker's network bandwidth
 * @param linkLatencySeconds one message's latency on the wire
 * @param utilization  achieved fraction of the peak, in (0, 1]
 */
public record ClusterSpec(int workers, String device, double peakFlops, double memoryBytes, double linkBytesPerSecond,
        double linkLatencySeconds, double utilization) {

    private static final String SYNTAX = "expected N x DEVICE[,key=value...] such as 1024xa100,link-gbps=400; devices "
            + "a100, h100, v100; keys tflops, memory-gb, link-gbps, latency-us, mfu";

    /** Dense bf16 peak, memory, per-device network bandwidth and latency of common training devices. */
    private static final Map<String, ClusterSpec> DEVICES = Map.of(
            "a100", new ClusterSpec(1, "a100", 312e12, 80e9, 200e9 / 8, 5e-6, 0.4),
            "h100", new ClusterSpec(1, "h100", 989e12, 80e9, 400e9 / 8, 3e-6, 0.4),
            "v100", new ClusterSpec(1, "v100", 125e12, 32e9, 100e9 / 8, 5e-6, 0.4));

    /** {@code workers} devices of a preset ({@code a100}, {@code h100}, {@code v100}). */
    public static ClusterSpec of(int workers, String device) {
        ClusterSpec preset = DEVICES.get(device);
        if (preset == null || workers < 1) {
            throw new IllegalArgumentException("bad cluster " + workers + "x" + device + ": " + SYNTAX);
        }
        return preset.withWorkers(workers);
    }

    /** Parses {@code 1024xa100} or {@code 64xh100,link-gbps=800,mfu=0.5}. */
    public static ClusterSpec parse(String spec) {
        String[] parts = spec.strip().toLowerCase(Locale.ROOT).split(",", -1);
        String[] head = parts[0].split("x", -1);
        if (head.length != 2 || !head[0].matches("[0-9]{1,7}") || !DEVICES.containsKey(head[1])
                || Integer.parseInt(head[0]) < 1) {
            throw bad(spec, "'" + parts[0] + "' is not N x DEVICE");
        }
        ClusterSpec cluster = of(Integer.parseInt(head[0]), head[1]);
        for (int i = 1; i < parts.length; i++) {
            String[] pair = parts[i].split("=", -1);
            if (pair.length != 2) {
                throw bad(spec, "'" + parts[i] + "' is not key=value");
            }
            double value;
            try {
                value = Double.parseDouble(pair[1].strip());
            } catch (NumberFormatException e) {
                throw bad(spec, pair[0] + " = '" + pair[1] + "' is not a number");
            }
            if (!(value > 0) || Double.isInfinite(value)) {
                throw bad(spec, pair[0] + " must be a finite number > 0");
            }
            cluster = cluster.with(spec, pair[0].strip(), value);
        }
        return cluster;
    }

    private ClusterSpec with(String spec, String key, double value) {
        return switch (key) {
            case "tflops" -> new ClusterSpec(workers, device, value * 1e12, memoryBytes, linkBytesPerSecond,
                    linkLatencySeconds, utilization);
            case "memory-gb" -> new ClusterSpec(workers, device, peakFlops, value * 1e9, linkBytesPerSecond,
                    linkLatencySeconds, utilization);
            case "link-gbps" -> new ClusterSpec(workers, device, peakFlops, memoryBytes, value * 1e9 / 8,
                    linkLatencySeconds, utilization);
            case "latency-us" -> new ClusterSpec(workers, device, peakFlops, memoryBytes, linkBytesPerSecond,
                    value * 1e-6, utilization);
            case "mfu" -> {
                if (value > 1) {
                    throw bad(spec, "mfu must be in (0, 1]");
                }
                yield new ClusterSpec(workers, device, peakFlops, memoryBytes, linkBytesPerSecond, linkLatencySeconds,
                        value);
            }
            default -> throw bad(spec, "unknown key '" + key + "'");
        };
    }

    public ClusterSpec withWorkers(int count) {
        return new ClusterSpec(count, device, peakFlops, memoryBytes, linkBytesPerSecond, linkLatencySeconds,
                utilization);
    }

    private static IllegalArgumentException bad(String spec, String problem) {
        return new IllegalArgumentException("bad cluster spec '" + spec + "': " + problem + "; " + SYNTAX);
    }

    /** One line: {@code 1024 x a100 (312 TFLOP/s at 40%, 80 GB, 200 Gbit/s, 5 us)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%d x %s (%.0f TFLOP/s at %.0f%%, %.0f GB, %.0f Gbit/s, %.1f us)", workers, device,
                peakFlops / 1e12, utilization * 100, memoryBytes / 1e9, linkBytesPerSecond * 8 / 1e9,
                linkLatencySeconds * 1e6);
    }
}
