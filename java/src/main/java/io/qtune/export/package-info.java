/**
 * The INT8 GraphDef writer in Intel's MLPerf format (QuantizeV2, QuantizedConv2D...AndRequantize, QuantizedMaxPool,
 * Dequantize, the ArgMax surgery) and the INT8 weights it writes. May use {@code quant}, {@code calib},
 * {@code graph} and the root; the engine and the exporter share TF's INT8 semantics without reading each other.
 */
package io.qtune.export;
