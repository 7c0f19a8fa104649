package io.qtune.graph;

import java.util.Set;

/** Op type names: TensorFlow's for imported nodes, plus the fused convolution the rewrite passes produce. */
public final class Ops {
    private Ops() {}

    public static final String PLACEHOLDER = "Placeholder";
    public static final String CONST = "Const";
    public static final String IDENTITY = "Identity";
    public static final String CONV2D = "Conv2D";
    public static final String FUSED_BATCH_NORM = "FusedBatchNorm";
    public static final String FUSED_BATCH_NORM_V2 = "FusedBatchNormV2";
    public static final String FUSED_BATCH_NORM_V3 = "FusedBatchNormV3";
    public static final String BIAS_ADD = "BiasAdd";
    public static final String ADD = "Add";
    public static final String ADD_V2 = "AddV2";
    public static final String RELU = "Relu";
    public static final String RELU6 = "Relu6";
    public static final String PAD = "Pad";
    public static final String MAX_POOL = "MaxPool";
    public static final String AVG_POOL = "AvgPool";
    public static final String MEAN = "Mean";
    public static final String SQUEEZE = "Squeeze";
    public static final String RESHAPE = "Reshape";
    public static final String MAT_MUL = "MatMul";
    public static final String SOFTMAX = "Softmax";
    public static final String ARG_MAX = "ArgMax";
    public static final String CAST = "Cast";

    /**
     * Conv2D with fused epilogue, named and shaped like TensorFlow's internal {@code _FusedConv2D}: inputs
     * (input, filter, bias[, summand]); attribute {@code fused_ops} lists the epilogue in order, one of
     * [BiasAdd], [BiasAdd, Relu], [BiasAdd, Relu6], [BiasAdd, Add], [BiasAdd, Add, Relu]. Padding is SAME,
     * VALID or EXPLICIT with {@code explicit_paddings} (8 values, NHWC pairs) as on Conv2D.
     */
    public static final String FUSED_CONV2D = "_FusedConv2D";

    // Intel's quantized ops (MLPerf v0.7 INT8 format); outputs 1 and 2 are the float min/max of output 0
    public static final String QUANTIZE_V2 = "QuantizeV2";
    public static final String DEQUANTIZE = "Dequantize";
    public static final String QUANTIZED_MAX_POOL = "QuantizedMaxPool";
    public static final String QCONV_BIAS_REQUANTIZE = "QuantizedConv2DWithBiasAndRequantize";
    public static final String QCONV_BIAS_RELU_REQUANTIZE = "QuantizedConv2DWithBiasAndReluAndRequantize";
    public static final String QCONV_BIAS_SUM_RELU_REQUANTIZE = "QuantizedConv2DWithBiasSumAndReluAndRequantize";
    public static final String QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE = "QuantizedConv2DWithBiasSignedSumAndReluAndRequantize";

    /**
     * Node attribute the exporter puts on the TF ops of a convolution the plan wants in bf16 ("bf16"). TF ignores
     * attributes that begin with an underscore, so stock TF still runs these ops in FP32; the oneDNN engine reads it.
     */
    public static final String PRECISION_ATTR = "_qtune_precision";
    public static final String BF16 = "bf16";

    /** Ops a frozen FP32 ResNet-style graph may contain. */
    public static final Set<String> FP32 = Set.of(PLACEHOLDER, CONST, IDENTITY, CONV2D, FUSED_BATCH_NORM,
            FUSED_BATCH_NORM_V2, FUSED_BATCH_NORM_V3, BIAS_ADD, ADD, ADD_V2, RELU, RELU6, PAD, MAX_POOL, AVG_POOL, MEAN,
            SQUEEZE, RESHAPE, MAT_MUL, SOFTMAX, ARG_MAX, CAST, FUSED_CONV2D);

    /** The quantized convolutions, inputs (input, filter, bias, min/max input, min/max filter, min/max freezed output[, summand, min/max summand]). */
    public static final Set<String> QUANTIZED_CONVS = Set.of(QCONV_BIAS_REQUANTIZE, QCONV_BIAS_RELU_REQUANTIZE,
            QCONV_BIAS_SUM_RELU_REQUANTIZE, QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);

    /** Ops an INT8 graph in Intel's format adds to the FP32 set. */
    public static final Set<String> INT8 = Set.of(QUANTIZE_V2, DEQUANTIZE, QUANTIZED_MAX_POOL, QCONV_BIAS_REQUANTIZE,
            QCONV_BIAS_RELU_REQUANTIZE, QCONV_BIAS_SUM_RELU_REQUANTIZE, QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);

    /** Everything the importer accepts: FP32 graphs and INT8 graphs in Intel's format. */
    public static final Set<String> IMPORTABLE = java.util.stream.Stream.concat(FP32.stream(), INT8.stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    public static boolean isBatchNorm(String op) {
        return op.equals(FUSED_BATCH_NORM) || op.equals(FUSED_BATCH_NORM_V2) || op.equals(FUSED_BATCH_NORM_V3);
    }

    public static boolean isAdd(String op) {
        return op.equals(ADD) || op.equals(ADD_V2);
    }

    public static boolean isQuantizedConv(String op) {
        return QUANTIZED_CONVS.contains(op);
    }

    public static boolean isConv(String op) {
        return op.equals(CONV2D) || op.equals(FUSED_CONV2D);
    }
}
