/**
 * Quantization decisions as data: the {@link io.qtune.quant.QuantPlan} (per-op precision, weight granularity, frozen
 * ranges; its JSON form), and the {@link io.qtune.quant.Quantizer} pipeline (fuse, calibrate, plan, write). May use
 * {@code engine} (calibration runs the FP32 model), {@code export} (the pipeline ends in its writer), {@code calib},
 * {@code graph}, {@code data} and the root; never tune, eval or the CLI.
 */
package io.qtune.quant;
