/**
 * The INT8 GraphDef writer in Intel's MLPerf format (QuantizeV2, QuantizedConv2D...AndRequantize, QuantizedMaxPool,
 * Dequantize, the ArgMax surgery) and the INT8 weights it writes. May use {@code graph}, the package of TF's INT8
 * semantics and the root; the decisions come in through {@link io.qtune.export.QuantDecisions} (quant's plan
 * implements it), so quant uses the writer and never the other way. The engine and the exporter share TF's INT8
 * semantics without reading each other.
 */
package io.qtune.export;
