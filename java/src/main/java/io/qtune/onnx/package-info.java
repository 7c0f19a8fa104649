/**
 * The fused IR as an ONNX model (opset 13), written at the protobuf wire level: FP32, or with a quant plan the INT8
 * network in QDQ form with qtune's scales ({@link io.qtune.onnx.OnnxExporter}), so ONNX Runtime runs what qtune's
 * INT8 engine runs. May use {@code graph}, {@code export}, the package of TF's INT8 semantics and the root; only the
 * CLI uses it.
 */
package io.qtune.onnx;
