package io.qtune.onnx;

import io.qtune.AtomicFiles;
import io.qtune.export.QuantDecisions;
import io.qtune.graph.Graph;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a fused FP32 IR ({@code Passes.fuseForInference}) as an ONNX model, opset 13, that ONNX Runtime runs.
 * Without decisions the network is FP32. With decisions (a quant plan) it is the INT8 network in QDQ form:
 * QuantizeLinear/DequantizeLinear pairs around each INT8 convolution and max pool, with the scales qtune's INT8
 * engine uses (u8 activations, s8 per-channel weights, int32 bias), so ONNX Runtime fuses them into QLinearConv;
 * convolutions the plan keeps in FP32 or BF16 stay float. The input stays NHWC as in the TF graph; the network runs
 * NCHW inside (one Transpose after the input). Immutable; the same inputs always give the same bytes.
 */
public final class OnnxExporter {
    /** ONNX opset the models import. */
    public static final long OPSET = OnnxProto.OPSET;

    /**
     * The model bytes, how many nodes it has, and notes: INT8 convolutions the format or ONNX Runtime forces to
     * differ from the plan (and why).
     */
    public record Result(byte[] bytes, int nodes, List<String> notes) {}

    /** How an INT8 convolution with a fused residual add (ResNet's block ends) is written; ONNX has no such int8 op. */
    public enum ResidualAdd {
        /**
         * Conv output in float, plus the dequantized summand, ReLU, one QuantizeLinear: qtune's arithmetic. ONNX
         * Runtime cannot fuse that convolution to QLinearConv and runs it in float on dequantized weights.
         */
        FLOAT,
        /**
         * Conv output quantized to u8 (over the only range that reaches the output), then QLinearAdd: every
         * convolution runs as QLinearConv in ONNX Runtime, at the cost of one more rounding per residual block.
         */
        INT8
    }

    private final String producerVersion;
    private final ResidualAdd residualAdd;

    public OnnxExporter() {
        this(ResidualAdd.FLOAT);
    }

    public OnnxExporter(ResidualAdd residualAdd) {
        this("0.1.0", residualAdd);
    }

    public OnnxExporter(String producerVersion, ResidualAdd residualAdd) {
        this.producerVersion = producerVersion;
        this.residualAdd = residualAdd;
    }

    /**
     * @param fused the fused FP32 IR
     * @param decisions the quant plan, or null for the FP32 network
     * @param extraOutputs inner nodes whose output 0 the model also returns (float, NHWC as in TF)
     */
    public Result export(Graph fused, QuantDecisions decisions, List<String> extraOutputs) {
        return new OnnxEmission(fused, decisions, residualAdd, extraOutputs).run(producerVersion);
    }

    public Result export(Graph fused, QuantDecisions decisions) {
        return export(fused, decisions, List.of());
    }

    /** Exports and writes atomically (temp file renamed into place). */
    public Result write(Graph fused, QuantDecisions decisions, Path out) {
        Result r = export(fused, decisions);
        AtomicFiles.write(out, r.bytes());
        return r;
    }
}
