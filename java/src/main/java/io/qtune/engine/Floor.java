package io.qtune.engine;

import java.util.List;
import java.util.Locale;

/**
 * How close a compiled program runs to its floor: each convolution and inner product primitive of the program timed
 * alone (same shapes, data types, formats and post-ops, same process, threads and caches warm: the timed run follows
 * a run of the same step), against whole runs of the program, in interleaved rounds. What the floor leaves out (pooling, reorders, the input copy, host steps, waits
 * between parallel regions) is the time outside the primitives.
 *
 * @param batch             batch size
 * @param team              OpenMP threads the program ran on
 * @param steps             every step of the program, in order
 * @param engineMs          median wall time of a whole run
 * @param floorMs           sum of the medians of the floor steps timed alone
 * @param outsidePrimitivesMs the median whole run minus the in-run time of every primitive step
 */
public record Floor(int batch, int team, List<StepTime> steps, double engineMs, double floorMs,
                    double outsidePrimitivesMs) {
    /**
     * One step.
     *
     * @param inRunMs mean time of the step inside whole runs (timed with a wait after each step)
     * @param aloneMs median time of the step run alone, or NaN for steps that are not part of the floor
     */
    public record StepTime(int index, String node, String kind, String implementation, boolean primitive,
                           double inRunMs, double aloneMs) {
        public boolean inFloor() {
            return !Double.isNaN(aloneMs);
        }
    }

    /** Kinds timed for the floor: the layers that carry the arithmetic. */
    static boolean isFloorKind(String kind) {
        return kind.endsWith("convolution") || kind.equals("inner product");
    }

    /** Engine time over the floor. */
    public double ratio() {
        return engineMs / floorMs;
    }

    /** The table {@code bench --floor} prints: per step its share of the run and its floor, then the totals. */
    public String table() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "floor, batch %d, %d threads: %d steps%n%4s %-16s %9s %6s %9s %7s  %s%n", batch, team, steps.size(),
                "step", "kind", "in run ms", "share", "alone ms", "run/alone", "node"));
        double total = steps.stream().mapToDouble(StepTime::inRunMs).sum();
        for (StepTime s : steps) {
            sb.append(String.format(Locale.ROOT, "%4d %-16s %9.3f %5.1f%% %9s %7s  %s%n", s.index(), s.kind(), s.inRunMs(),
                    100 * s.inRunMs() / Math.max(total, 1e-9), s.inFloor() ? String.format(Locale.ROOT, "%.3f", s.aloneMs()) : "-",
                    s.inFloor() ? String.format(Locale.ROOT, "%.2f", s.inRunMs() / s.aloneMs()) : "-", s.node()));
        }
        sb.append(String.format(Locale.ROOT, "engine %.3f ms/run (%.3f ms/image), floor %.3f ms/run (%.3f ms/image), "
                        + "engine/floor %.3fx, outside any primitive %.3f ms/run%n",
                engineMs, engineMs / batch, floorMs, floorMs / batch, ratio(), outsidePrimitivesMs));
        // where the gap is: the floor's own layers slower in the chain (cold weights) or the steps outside the floor
        double floorInRun = steps.stream().filter(StepTime::inFloor).mapToDouble(StepTime::inRunMs).sum();
        sb.append(String.format(Locale.ROOT, "floor steps %.3f ms/run in the chain vs %.3f alone (%+.1f%%), other steps %.3f "
                + "ms/run%n", floorInRun, floorMs, 100 * (floorInRun / floorMs - 1), total - floorInRun));
        return sb.toString();
    }
}
