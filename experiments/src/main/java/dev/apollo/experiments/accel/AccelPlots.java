package dev.apollo.experiments.accel;

import dev.apollo.protocol.StepRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The acceleration benchmark's figures: validation loss against FLOPs and training time, and depth histograms. */
public final class AccelPlots {

    public static final String LOSS_VS_FLOPS = "loss_vs_flops.png";
    public static final String LOSS_VS_WALL = "loss_vs_wall.png";

    private AccelPlots() {}

    public static void lossCurves(List<AccelResult> results, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        curve(results, dir.resolve(LOSS_VS_FLOPS), "training FLOPs", AccelRecorder.Point::flops);
        curve(results, dir.resolve(LOSS_VS_WALL), "training seconds", AccelRecorder.Point::trainSeconds);
    }

    /** {@code depth_<method>.png}: how often each depth ran, per stage, for the methods that sample depths. */
    public static List<String> depthHistograms(List<AccelResult> results, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        for (AccelResult result : results) {
            if (result.steps().stream().map(s -> s.stage() + ":" + s.depth()).distinct().count()
                    == result.steps().stream().map(StepRecord::stage).distinct().count()) {
                continue; // one depth a stage: nothing sampled, nothing to show
            }
            Map<Integer, Map<Integer, Integer>> countsByStage = new TreeMap<>();
            int maxDepth = 1;
            for (StepRecord step : result.steps()) {
                countsByStage.computeIfAbsent(step.stage(), s -> new TreeMap<>()).merge(step.depth(), 1, Integer::sum);
                maxDepth = Math.max(maxDepth, step.depth());
            }
            CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
                    .title(result.method().id() + ": sampled depths per stage").xAxisTitle("depth").yAxisTitle("steps")
                    .build();
            List<Integer> depths = new ArrayList<>();
            for (int d = 1; d <= maxDepth; d++) {
                depths.add(d);
            }
            for (Map.Entry<Integer, Map<Integer, Integer>> stage : countsByStage.entrySet()) {
                List<Integer> counts = depths.stream().map(d -> stage.getValue().getOrDefault(d, 0)).toList();
                int weights = result.steps().stream().filter(s -> s.stage() == stage.getKey()).findFirst().orElseThrow()
                        .weights();
                chart.addSeries("stage " + stage.getKey() + " (N=" + weights + ")", depths, counts);
            }
            String file = "depth_" + result.method().id() + ".png";
            BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
            files.add(file);
        }
        return files;
    }

    private static void curve(List<AccelResult> results, Path png, String xTitle,
            ToDoubleFunction<AccelRecorder.Point> x) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(540).title("validation loss (full depth) vs " + xTitle)
                .xAxisTitle(xTitle).yAxisTitle("cross-entropy (nats/token)").build();
        for (AccelResult result : results) {
            double[] xs = result.points().stream().mapToDouble(x).toArray();
            double[] ys = result.points().stream().mapToDouble(AccelRecorder.Point::loss).toArray();
            chart.addSeries(result.method().id(), xs, ys).setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
