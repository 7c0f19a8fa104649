/**
 * Calibration: streaming per-tensor statistics ({@link io.qtune.calib.TensorStats}) and the range algorithms that
 * freeze activation ranges from them ({@link io.qtune.calib.RangeAlgorithm}: minmax, KL, percentile, MSE; checked and,
 * when degenerate, replaced by minmax in {@link io.qtune.calib.RangeCalibrator}).
 *
 * <p>Determinism: the statistics are exact merges (global min/max, long counts in power-of-two-width histograms), so
 * ranges do not depend on batch size, batch order or threads; the threshold searches use only integer counts and a
 * fixed sequence of floating-point operations, so they give the same bits in Java and in every native ISA copy.
 *
 * <p>May use {@code graph}, {@code data}, {@code kernels} and the root; it owns the observer interface the engine
 * feeds statistics through, so it never needs the engine.
 */
package io.qtune.calib;
