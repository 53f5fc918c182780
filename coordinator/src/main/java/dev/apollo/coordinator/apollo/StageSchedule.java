package dev.apollo.coordinator.apollo;

import java.util.Arrays;

/**
 * Apollo's stages over a run of {@code totalSteps} steps: stage s trains N(s) = {@code weights(s)} real layer
 * weights on steps [{@code startStep(s)}, {@code endStep(s)}). N(s) strictly increases (paper Eq. (4)) and the last
 * stage holds all L layers; stage 0 starts at step 0 and every later stage starts at an expansion step inside the
 * run.
 */
public final class StageSchedule {

    private final int[] layerCounts;
    private final long[] startSteps;
    private final long totalSteps;

    /**
     * @param layerCounts N(s) per stage, strictly increasing, all >= 1; the last is usually the model depth L
     * @param stageStartSteps the first step of each stage: 0, then strictly increasing, all < totalSteps
     * @param totalSteps the run's length in steps, >= 1
     */
    public StageSchedule(int[] layerCounts, long[] stageStartSteps, long totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("a run needs at least one step, got totalSteps=" + totalSteps);
        }
        if (layerCounts.length == 0) {
            throw new IllegalArgumentException("a schedule needs at least one stage");
        }
        if (stageStartSteps.length != layerCounts.length) {
            throw new IllegalArgumentException("one start step per stage: " + layerCounts.length + " stages but "
                    + stageStartSteps.length + " start steps");
        }
        if (layerCounts[0] < 1) {
            throw new IllegalArgumentException("stage 0 needs at least one layer weight, got " + layerCounts[0]);
        }
        if (stageStartSteps[0] != 0) {
            throw new IllegalArgumentException("stage 0 must start at step 0, got " + stageStartSteps[0]);
        }
        for (int s = 1; s < layerCounts.length; s++) {
            if (layerCounts[s] <= layerCounts[s - 1]) {
                throw new IllegalArgumentException("layer counts must strictly increase, but stage " + s + " has "
                        + layerCounts[s] + " after " + layerCounts[s - 1]);
            }
            requireStageStart(s, stageStartSteps[s], stageStartSteps[s - 1], totalSteps);
        }
        this.layerCounts = layerCounts.clone();
        this.startSteps = stageStartSteps.clone();
        this.totalSteps = totalSteps;
    }

    /** Boundaries as fractions of the run: stage s+1 starts at round(fractions[s] * totalSteps). */
    public static StageSchedule fromFractions(int[] layerCounts, double[] fractions, long totalSteps) {
        long[] starts = new long[fractions.length];
        for (int i = 0; i < fractions.length; i++) {
            if (!Double.isFinite(fractions[i])) {
                throw new IllegalArgumentException("the boundary of stage " + (i + 1) + " is not a finite fraction: "
                        + fractions[i]);
            }
            // round, not ceil or floor: 0.07 * 100 is 7.000000000000001 and 0.29 * 100 is 28.999999999999996
            starts[i] = Math.round(fractions[i] * totalSteps);
        }
        return fromSteps(layerCounts, starts, totalSteps);
    }

    /** Boundaries as tokens seen: stage s+1 starts at the first step by which tokens[s] tokens have been seen. */
    public static StageSchedule fromTokens(int[] layerCounts, long[] tokens, long tokensPerStep, long totalSteps) {
        if (tokensPerStep < 1) {
            throw new IllegalArgumentException("tokensPerStep must be >= 1, got " + tokensPerStep);
        }
        long[] starts = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            starts[i] = -Math.floorDiv(-tokens[i], tokensPerStep); // ceil(tokens / tokensPerStep)
        }
        return fromSteps(layerCounts, starts, totalSteps);
    }

    /** Boundaries as steps: {@code boundarySteps[s]} is where stage s+1 starts (one entry fewer than stages). */
    public static StageSchedule fromSteps(int[] layerCounts, long[] boundarySteps, long totalSteps) {
        if (boundarySteps.length != layerCounts.length - 1) {
            throw new IllegalArgumentException("one boundary per stage after the first: " + layerCounts.length
                    + " stages need " + (layerCounts.length - 1) + " boundaries, got " + boundarySteps.length);
        }
        long[] starts = new long[layerCounts.length];
        System.arraycopy(boundarySteps, 0, starts, 1, boundarySteps.length);
        return new StageSchedule(layerCounts, starts, totalSteps);
    }

    private static void requireStageStart(int stage, long start, long previousStart, long totalSteps) {
        if (start <= 0) {
            throw new IllegalArgumentException("the boundary of stage " + stage + " resolves to step " + start
                    + ", but only stage 0 may start at step 0");
        }
        if (start >= totalSteps) {
            throw new IllegalArgumentException("the boundary of stage " + stage + " resolves to step " + start
                    + ", at or past the end of the run (totalSteps=" + totalSteps + ")");
        }
        if (start <= previousStart) {
            throw new IllegalArgumentException("the boundary of stage " + stage + " resolves to step " + start
                    + ", not after stage " + (stage - 1) + "'s start at step " + previousStart
                    + " (boundaries collapse or are out of order)");
        }
    }

    /** The stage that trains {@code step}, for 0 <= step < totalSteps. */
    public int stageAt(long step) {
        if (step < 0 || step >= totalSteps) {
            throw new IllegalArgumentException("step " + step + " is outside the run [0, " + totalSteps + ")");
        }
        int found = Arrays.binarySearch(startSteps, step);
        return found >= 0 ? found : -found - 2; // not a start: the stage whose start precedes the insertion point
    }

    /** N(s) at {@code step}: how many real layer weights are trained there. */
    public int weightsAt(long step) {
        return layerCounts[stageAt(step)];
    }

    /** N(s) of {@code stage}. */
    public int weights(int stage) {
        return layerCounts[requireStage(stage)];
    }

    /** The first step of {@code stage}. */
    public long startStep(int stage) {
        return startSteps[requireStage(stage)];
    }

    /** One past the last step of {@code stage}: the next stage's start, or totalSteps for the last stage. */
    public long endStep(int stage) {
        return requireStage(stage) + 1 < startSteps.length ? startSteps[stage + 1] : totalSteps;
    }

    public int stageCount() {
        return layerCounts.length;
    }

    public long totalSteps() {
        return totalSteps;
    }

    /** The real layer weights of the last stage: usually L, fewer for a run that ends sharing them. */
    public int lastWeights() {
        return layerCounts[layerCounts.length - 1];
    }

    /** True where a new stage begins after step 0, i.e. where weights are expanded before the step runs. */
    public boolean isExpansionStep(long step) {
        return step > 0 && Arrays.binarySearch(startSteps, step) >= 0;
    }

    /** The start steps of stages 1.. (the expansions), in order; what {@link LearningRateSchedule} re-warms after. */
    public long[] expansionSteps() {
        return Arrays.copyOfRange(startSteps, 1, startSteps.length);
    }

    private int requireStage(int stage) {
        if (stage < 0 || stage >= layerCounts.length) {
            throw new IllegalArgumentException("stage " + stage + " is outside [0, " + layerCounts.length + ")");
        }
        return stage;
    }

    @Override
    public String toString() {
        return "StageSchedule[layers=" + Arrays.toString(layerCounts) + ", starts=" + Arrays.toString(startSteps)
                + ", totalSteps=" + totalSteps + "]";
    }
}
