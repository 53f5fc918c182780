package dev.apollo.run;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** {@code loss.png}: training loss and validation losses (full depth, stage depth) against steps, from a metrics log. */
final class LossPlot {

    private static final Gson GSON = new Gson();

    private LossPlot() {}

    static void write(Path metrics, Path png) throws IOException {
        List<Double> trainSteps = new ArrayList<>();
        List<Double> trainLoss = new ArrayList<>();
        List<Double> valSteps = new ArrayList<>();
        List<Double> valFull = new ArrayList<>();
        List<Double> valStage = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            JsonObject row = GSON.fromJson(line, JsonObject.class);
            double step = row.get("step").getAsDouble();
            String type = row.get("type").getAsString();
            if (MetricsLog.TRAIN.equals(type)) {
                trainSteps.add(step);
                trainLoss.add(row.get("loss").getAsDouble());
            } else if (MetricsLog.VAL.equals(type)) { // not a skipped step, which has no loss; nor an event
                valSteps.add(step);
                valFull.add(row.get("valLossFull").getAsDouble());
                valStage.add(row.get("valLossStage").getAsDouble());
            }
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title("apollo-trainer loss")
                .xAxisTitle("step").yAxisTitle("cross-entropy (nats/token)").build();
        if (!trainSteps.isEmpty()) {
            chart.addSeries("train", trainSteps, trainLoss).setMarker(SeriesMarkers.NONE);
        }
        if (!valSteps.isEmpty()) {
            chart.addSeries("validation, full depth", valSteps, valFull).setMarker(SeriesMarkers.CIRCLE);
            XYSeries stage = chart.addSeries("validation, stage depth", valSteps, valStage);
            stage.setMarker(SeriesMarkers.DIAMOND);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
