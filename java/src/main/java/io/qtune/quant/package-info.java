/**
 * Quantization decisions as data: the {@link io.qtune.quant.QuantPlan} (per-op precision, weight granularity, frozen
 * ranges; its JSON form), and the {@link io.qtune.quant.Quantizer} pipeline. May use {@code calib}, {@code graph},
 * {@code data}, {@code kernels} and the root; never the engine or the exporter's writer.
 */
package io.qtune.quant;
