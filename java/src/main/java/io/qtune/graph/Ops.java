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

    /** Ops a frozen FP32 ResNet-style graph may contain. */
    public static final Set<String> IMPORTABLE = Set.of(PLACEHOLDER, CONST, IDENTITY, CONV2D, FUSED_BATCH_NORM,
            FUSED_BATCH_NORM_V2, FUSED_BATCH_NORM_V3, BIAS_ADD, ADD, ADD_V2, RELU, RELU6, PAD, MAX_POOL, AVG_POOL, MEAN,
            SQUEEZE, RESHAPE, MAT_MUL, SOFTMAX, ARG_MAX, CAST, FUSED_CONV2D);

    public static boolean isBatchNorm(String op) {
        return op.equals(FUSED_BATCH_NORM) || op.equals(FUSED_BATCH_NORM_V2) || op.equals(FUSED_BATCH_NORM_V3);
    }

    public static boolean isAdd(String op) {
        return op.equals(ADD) || op.equals(ADD_V2);
    }

    public static boolean isConv(String op) {
        return op.equals(CONV2D) || op.equals(FUSED_CONV2D);
    }
}
