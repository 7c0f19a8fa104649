package io.qtune.report;

import java.util.List;

/**
 * One engine at one batch size against its per-layer floor ({@code bench --floor}): the table it prints, as JSON.
 * The floor is the sum of the convolution and inner product primitives of the engine's own compiled program, each
 * timed alone; the engine's time per run is the median of whole runs measured beside it. The hot floor times each
 * step with its data in cache, the cold floor right after the caches were emptied, the weights-cold floor right
 * after only the step's weights were flushed from the caches (its activations still in cache).
 *
 * @param engine                    bench engine name, e.g. onednn-int8
 * @param batch                     batch size
 * @param threads                   OpenMP threads the program ran on
 * @param engineMsPerRun            median whole run, measured with the floor
 * @param floorMsPerRun             sum of the floor steps' times alone
 * @param engineOverFloor           engineMsPerRun / floorMsPerRun
 * @param floorRoundMsPerRun        the floor as one pass: per round the floor steps' times alone summed, the median over
 *                                  rounds (interrupted as often as a whole run; the sum of medians is not)
 * @param engineOverRoundFloor      engineMsPerRun / floorRoundMsPerRun
 * @param outsidePrimitivesMsPerRun engineMsPerRun minus every primitive step's time inside runs (at least 0)
 * @param p50MsPerImage             the benchmark's p50 per image (its timed slices)
 * @param floorMsPerImage           floorMsPerRun / batch
 * @param floorRatio                p50MsPerImage / floorMsPerImage, as in the result entry
 * @param floorColdMsPerRun         sum of the floor steps' times alone, each after the caches were emptied
 * @param engineOverColdFloor       engineMsPerRun / floorColdMsPerRun
 * @param floorColdMsPerImage       floorColdMsPerRun / batch
 * @param floorColdRatio            p50MsPerImage / floorColdMsPerImage, as in the result entry
 * @param floorWeightsColdMsPerRun  sum of the floor steps' times alone, each after its weights were flushed (NaN
 *                                  without the native library)
 * @param engineOverWeightsColdFloor engineMsPerRun / floorWeightsColdMsPerRun
 * @param floorWeightsColdMsPerImage floorWeightsColdMsPerRun / batch
 * @param floorWeightsColdRatio     p50MsPerImage / floorWeightsColdMsPerImage, as in the result entry
 * @param evictionBytes             bytes read to empty the caches before each cold step
 * @param evictionMs                median time of one such read (evictionBytes over it: one thread's read bandwidth)
 * @param weightBytes               bytes of weights the floor steps read in a run (oneDNN's layout; the dense layer,
 *                                  run once per image, once per image)
 * @param steps                     every step of the program, in order
 */
public record FloorResult(String engine, int batch, int threads, double engineMsPerRun, double floorMsPerRun,
                          double engineOverFloor, double floorRoundMsPerRun, double engineOverRoundFloor,
                          double outsidePrimitivesMsPerRun, double p50MsPerImage,
                          double floorMsPerImage, double floorRatio, double floorColdMsPerRun, double engineOverColdFloor,
                          double floorColdMsPerImage, double floorColdRatio, double floorWeightsColdMsPerRun,
                          double engineOverWeightsColdFloor, double floorWeightsColdMsPerImage,
                          double floorWeightsColdRatio, long evictionBytes, double evictionMs, long weightBytes,
                          List<Step> steps) {
    public FloorResult {
        steps = List.copyOf(steps);
    }

    /**
     * One step of the program.
     *
     * @param inFloor   whether the step is part of the floor (a convolution or inner product primitive)
     * @param inRunMs   median time inside whole runs
     * @param share     inRunMs over the sum of every step's inRunMs
     * @param aloneMs   median time alone (hot), for every step; only the floor steps' count in the floor
     * @param runOverAlone inRunMs / aloneMs
     * @param coldMs    median time alone after the caches were emptied, null (NaN) when not part of the floor
     * @param weightsColdMs median time alone after its weights were flushed, null (NaN) when not part of the floor
     * @param weightBytes bytes of the weights the step reads, 0 when not part of the floor
     */
    public record Step(int index, String node, String kind, String implementation, boolean primitive, boolean inFloor,
                       double inRunMs, double share, double aloneMs, double runOverAlone, double coldMs,
                       double weightsColdMs, long weightBytes) {}
}
