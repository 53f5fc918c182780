package dev.apollo.experiments.accel;

import dev.apollo.config.TrainingMethod;
import dev.apollo.protocol.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * One method's measured run and the figures derived from it: when it first reached a target validation loss
 * (interpolating linearly between evaluation points, as the independent reference does), and the training loss and
 * gradient norm on the last step before and the first step after each expansion.
 */
public record AccelResult(TrainingMethod method, List<StepRecord> steps, List<AccelRecorder.Point> points, double trainSeconds,
        List<Long> expansionSteps) {

    /** Loss and gradient norm around the expansion that starts at step {@code step}. */
    public record Expansion(long step, int weightsBefore, int weightsAfter, double lossBefore, double lossAfter,
            double gradNormBefore, double gradNormAfter) {}

    public double finalLoss() {
        return points.get(points.size() - 1).loss();
    }

    public double totalFlops() {
        return steps.get(steps.size() - 1).flops();
    }

    /** FLOPs at which the validation loss first reached {@code target}; empty if it never did. */
    public OptionalDouble flopsToReach(double target) {
        return reach(target, true);
    }

    /** Training seconds at which the validation loss first reached {@code target}; empty if it never did. */
    public OptionalDouble secondsToReach(double target) {
        return reach(target, false);
    }

    /** Validation loss at {@code flops}, interpolated; empty outside the measured range. */
    public OptionalDouble lossAtFlops(double flops) {
        AccelRecorder.Point previous = null;
        for (AccelRecorder.Point point : points) {
            if (point.flops() >= flops) {
                if (previous == null) {
                    return point.flops() == flops ? OptionalDouble.of(point.loss()) : OptionalDouble.empty();
                }
                double f = (flops - previous.flops()) / (point.flops() - previous.flops());
                return OptionalDouble.of(previous.loss() + f * (point.loss() - previous.loss()));
            }
            previous = point;
        }
        return OptionalDouble.empty();
    }

    public List<Expansion> expansions() {
        List<Expansion> out = new ArrayList<>();
        for (long step : expansionSteps) {
            // step records count steps done: row s is the last step before the expansion at step s, row s+1 the first after
            if (step < 1 || step + 1 > steps.size()) {
                continue;
            }
            StepRecord before = steps.get((int) step - 1);
            StepRecord after = steps.get((int) step);
            out.add(new Expansion(step, before.weights(), after.weights(), before.loss(), after.loss(),
                    before.gradNorm(), after.gradNorm()));
        }
        return out;
    }

    private OptionalDouble reach(double target, boolean byFlops) {
        AccelRecorder.Point previous = null;
        for (AccelRecorder.Point point : points) {
            if (point.loss() <= target) {
                double here = byFlops ? point.flops() : point.trainSeconds();
                if (previous == null) {
                    return OptionalDouble.of(here);
                }
                double before = byFlops ? previous.flops() : previous.trainSeconds();
                double f = (previous.loss() - target) / (previous.loss() - point.loss());
                return OptionalDouble.of(before + f * (here - before));
            }
            previous = point;
        }
        return OptionalDouble.empty();
    }
}
