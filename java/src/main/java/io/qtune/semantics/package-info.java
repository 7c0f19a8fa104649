/**
 * What TensorFlow's INT8 ops compute ({@link io.qtune.semantics.Int8Semantics}: scales, rounding, saturation, as
 * docs/int8-semantics.md derives them), shared by the engine, the exporter and the reference interpreter so none of
 * them reads another. May use {@code graph} and the root only.
 */
package io.qtune.semantics;
