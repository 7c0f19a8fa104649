package io.qtune.engine;

import java.util.List;
import java.util.Locale;

/**
 * How close a compiled program runs to its floor: each convolution and inner product primitive of the program timed
 * alone (same shapes, data types, formats and post-ops, same process, threads and caches warm: the timed run follows
 * a run of the same step), against whole runs of the program, in interleaved rounds. What the floor leaves out (pooling, reorders, the input copy, host steps, waits
 * between parallel regions) is the time outside the primitives.
 * <p>
 * Two floors: the hot one, each step with its weights and activations already in cache, and the cold one, each step
 * timed alone right after the caches were emptied ({@link CacheEviction}), so it fetches its weights from memory. In
 * the chain a layer's weights were last touched a whole run earlier: at batch 1 (weights outweigh activations) an
 * engine that runs the layers in order lies between the two. The weights-cold floor sits in between on purpose: each
 * step timed with its activations in cache and only its weights flushed ({@link WeightFlush}), the state a layer
 * starts in within a batch-1 run whose weights outgrow the caches; an engine at or below it has nothing left to gain
 * but what overlapping one layer's weight fetch with the layer before could give.
 *
 * @param batch             batch size
 * @param team              OpenMP threads the program ran on
 * @param steps             every step of the program, in order
 * @param engineMs          median wall time of a whole run
 * @param floorMs           sum of the medians of the floor steps timed alone
 * @param roundFloorMs      median over the rounds of the floor steps' times alone summed within each round: the floor
 *                          as one pass, which meets what interrupts the machine as often as a whole run does (a sum
 *                          of medians drops every interruption; a whole run's median keeps those of a typical run)
 * @param coldFloorMs       sum of the medians of the floor steps timed alone with the caches emptied before each
 * @param weightsColdFloorMs sum of the medians of the floor steps timed alone with only their weights flushed from
 *                          the caches before each (NaN when not measured)
 * @param evictionBytes     bytes read to empty the caches before each cold step
 * @param evictionMs        median time of one such read (bytes over it: the memory bandwidth one thread reaches)
 * @param outsidePrimitivesMs the median whole run minus the in-run time of every primitive step
 */
public record Floor(int batch, int team, List<StepTime> steps, double engineMs, double floorMs, double roundFloorMs,
                    double coldFloorMs, double weightsColdFloorMs, long evictionBytes, double evictionMs,
                    double outsidePrimitivesMs) {
    /**
     * One step.
     *
     * @param inFloor whether the step is part of the floor (a convolution or inner product primitive)
     * @param inRunMs median time of the step inside whole runs (timed with a wait after each step)
     * @param aloneMs median time of the step run alone (hot: it follows a run of the same step), for every step;
     *                only the floor steps' count in the floor
     * @param coldMs  median time of the step run alone after the caches were emptied, or NaN outside the floor
     * @param weightsColdMs median time of the step run alone after its weights were flushed, or NaN outside the floor
     * @param weightBytes bytes of the weights a floor step reads (oneDNN's layout), 0 for the other steps; the
     *                    dense layer, run once per image, reads its weights once per image
     */
    public record StepTime(int index, String node, String kind, String implementation, boolean primitive,
                           boolean inFloor, double inRunMs, double aloneMs, double coldMs, double weightsColdMs,
                           long weightBytes) {}

    /**
     * The floor as one pass ({@link #roundFloorMs}): per round the included steps' times summed, then the median over
     * the rounds, in ms.
     *
     * @param nanos   per step, its time in each round
     * @param include which steps count
     */
    static double onePassMs(long[][] nanos, boolean[] include) {
        int rounds = nanos.length == 0 ? 0 : nanos[0].length;
        if (rounds == 0) return Double.NaN;
        long[] sums = new long[rounds];
        for (int i = 0; i < nanos.length; i++) {
            if (!include[i]) continue;
            for (int r = 0; r < rounds; r++) sums[r] += nanos[i][r];
        }
        return Model.median(sums) / 1e6;
    }

    /** Kinds timed for the floor: the layers that carry the arithmetic. */
    static boolean isFloorKind(String kind) {
        return kind.endsWith("convolution") || kind.equals("inner product");
    }

    /** Engine time over the floor. */
    public double ratio() {
        return engineMs / floorMs;
    }

    /** Bytes of weights the floor steps read in a run, each step counted: what they fetch from memory when cold. */
    public long weightBytes() {
        return steps.stream().mapToLong(StepTime::weightBytes).sum();
    }

    /** Engine time over the floor as one pass ({@link #roundFloorMs}). */
    public double roundRatio() {
        return engineMs / roundFloorMs;
    }

    /** Engine time over the cold floor. */
    public double coldRatio() {
        return engineMs / coldFloorMs;
    }

    /** Engine time over the weights-cold floor. */
    public double weightsColdRatio() {
        return engineMs / weightsColdFloorMs;
    }

    /**
     * The table {@code bench --floor} prints: per step its share of the run and its hot, cold and weights-cold floor,
     * then the totals.
     */
    public String table() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "floor, batch %d, %d threads, weights read %.1f MB, cold after reading %d MiB (%.1f GB/s): %d steps%n"
                        + "%4s %-16s %9s %6s %9s %9s %9s %7s  %s%n",
                batch, team, weightBytes() / 1e6, evictionBytes >> 20, evictionBytes / evictionMs / 1e6, steps.size(), "step",
                "kind", "in run ms", "share", "alone ms", "cold ms", "w-cold ms", "run/alone", "node"));
        double total = steps.stream().mapToDouble(StepTime::inRunMs).sum();
        for (StepTime s : steps) {
            sb.append(String.format(Locale.ROOT, "%4d %-16s %9.3f %5.1f%% %9s %9s %9s %7s  %s%n", s.index(), s.kind(),
                    s.inRunMs(), 100 * s.inRunMs() / Math.max(total, 1e-9), ms(s.aloneMs()), ms(s.coldMs()),
                    ms(s.weightsColdMs()),
                    Double.isNaN(s.aloneMs()) ? "-" : String.format(Locale.ROOT, "%.2f", s.inRunMs() / s.aloneMs()),
                    s.node()));
        }
        sb.append(String.format(Locale.ROOT, "engine %.3f ms/run (%.3f ms/image), floor %.3f ms/run (%.3f ms/image), "
                        + "engine/floor %.3fx, outside any primitive %.3f ms/run, cold floor %.3f ms/run (%.3f ms/image), "
                        + "engine/cold floor %.3fx%n",
                engineMs, engineMs / batch, floorMs, floorMs / batch, ratio(), outsidePrimitivesMs, coldFloorMs,
                coldFloorMs / batch, coldRatio()));
        if (!Double.isNaN(weightsColdFloorMs)) {
            sb.append(String.format(Locale.ROOT, "weights-cold floor %.3f ms/run (%.3f ms/image), engine/weights-cold "
                    + "floor %.3fx%n", weightsColdFloorMs, weightsColdFloorMs / batch, weightsColdRatio()));
        }
        sb.append(String.format(Locale.ROOT, "floor as one pass (each round's steps alone summed, median) %.3f ms/run, "
                + "engine/one-pass floor %.3fx%n", roundFloorMs, roundRatio()));
        // where the gap is: the floor's own layers slower in the chain, or the other steps' own work and their
        // slowdown in the chain
        double floorInRun = steps.stream().filter(StepTime::inFloor).mapToDouble(StepTime::inRunMs).sum();
        double otherAlone = steps.stream().filter(s -> !s.inFloor() && !Double.isNaN(s.aloneMs()))
                .mapToDouble(StepTime::aloneMs).sum();
        sb.append(String.format(Locale.ROOT, "floor steps %.3f ms/run in the chain vs %.3f alone (%+.1f%%), other steps %.3f "
                + "ms/run in the chain vs %.3f alone%n", floorInRun, floorMs, 100 * (floorInRun / floorMs - 1),
                total - floorInRun, otherAlone));
        return sb.toString();
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
