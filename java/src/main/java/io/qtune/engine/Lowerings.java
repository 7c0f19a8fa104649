package io.qtune.engine;

import io.qtune.graph.Ops;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The registry of op lowerings: a new op is one {@link OpLowering} file and one line here. */
final class Lowerings {
    private static final Map<String, OpLowering> BY_OP = new LinkedHashMap<>();

    static {
        register((n, c) -> { }, Ops.CONST); // read through Graph.requireConstant by the ops that take constants
        register(new InputLowering(), Ops.PLACEHOLDER);
        register(new ViewLowering(), Ops.IDENTITY, Ops.SQUEEZE, Ops.RESHAPE);
        register(new ConvLowering(), Ops.CONV2D, Ops.FUSED_CONV2D);
        register(new EltwiseLowering(), Ops.BIAS_ADD, Ops.ADD, Ops.ADD_V2, Ops.RELU, Ops.RELU6);
        register(new PoolLowering(), Ops.MAX_POOL, Ops.AVG_POOL, Ops.MEAN);
        register(new InnerProductLowering(), Ops.MAT_MUL);
        register(new SoftmaxLowering(), Ops.SOFTMAX);
        register(new HostLowering(), Ops.ARG_MAX, Ops.CAST);
        // Intel-format INT8 ops
        register(new QuantizeLowering(), Ops.QUANTIZE_V2, Ops.DEQUANTIZE);
        register(new Int8PoolLowering(), Ops.QUANTIZED_MAX_POOL);
        register(new Int8ConvLowering(), Ops.QCONV_BIAS_REQUANTIZE, Ops.QCONV_BIAS_RELU_REQUANTIZE,
                Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE, Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
    }

    private Lowerings() {}

    private static void register(OpLowering l, String... ops) {
        for (String op : ops) {
            if (BY_OP.put(op, l) != null) throw new IllegalStateException("two lowerings for " + op);
        }
    }

    /** The ops the engine compiles. */
    static Set<String> ops() {
        return Collections.unmodifiableSet(BY_OP.keySet());
    }

    /** The lowering of an op, or null when the engine does not compile it. */
    static OpLowering of(String op) {
        return BY_OP.get(op);
    }
}
