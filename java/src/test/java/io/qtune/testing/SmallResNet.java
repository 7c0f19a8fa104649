package io.qtune.testing;

import io.qtune.graph.Graph;
import io.qtune.graph.Ops;

/**
 * A small FP32 ResNet in the MLPerf ResNet50-v1.5 layout, for tests: Pad + 7x7/2 VALID stem with batch norm and
 * ReLU, 3x3/2 SAME max pool, a projection block, an identity block, a strided projection block (Pad + 3x3/2 VALID,
 * as TF-official's conv2d_fixed_padding), then Mean (keep_dims) / Squeeze / MatMul / BiasAdd / softmax_tensor / ArgMax.
 */
public final class SmallResNet {
    private SmallResNet() {}

    public static final String INPUT = "input_tensor";
    public static final int SIZE = 32;
    public static final int CLASSES = 11;

    public static long[] inputShape(long batch) {
        return new long[] {batch, SIZE, SIZE, 3};
    }

    public static Graph build(long seed) {
        GraphBuilder b = new GraphBuilder(seed);
        String x = b.placeholder(INPUT, -1, SIZE, SIZE, 3);
        String p = b.pad("stem/pad", x, 3, 3, 3, 3);
        String c = b.conv("stem/conv", p, 7, 7, 3, 16, 2, "VALID");
        String r = b.unary("stem/relu", Ops.RELU, b.batchNorm("stem/bn", Ops.FUSED_BATCH_NORM, c, 16));
        String pool = b.pool("stem/max_pool", Ops.MAX_POOL, r, 3, 2, "SAME");
        String b1 = block(b, "block1", pool, 16, 8, 32, 1, true);
        String b2 = block(b, "block2", b1, 32, 8, 32, 1, false);
        String b3 = block(b, "block3", b2, 32, 16, 64, 2, true);
        String mean = b.mean("Mean", b3, true, 1, 2);
        String sq = b.squeeze("Squeeze", mean, 1, 2);
        String fc = b.biasAdd("dense/BiasAdd", b.matMul("dense/MatMul", sq, 64, CLASSES), CLASSES);
        b.unary("softmax_tensor", Ops.SOFTMAX, fc);
        b.argMax("ArgMax", fc);
        return b.build();
    }

    private static String block(GraphBuilder b, String name, String x, long in, long mid, long out, long stride, boolean projection) {
        String shortcut = x;
        if (projection) {
            // the shortcut comes first in graph order, so the main branch's last convolution takes the sum (as Intel's)
            String sc = b.conv(name + "/shortcut", x, 1, 1, in, out, stride, "VALID");
            shortcut = b.batchNorm(name + "/shortcut_bn", Ops.FUSED_BATCH_NORM, sc, out);
        }
        String c1 = b.unary(name + "/relu1", Ops.RELU, b.batchNorm(name + "/bn1", Ops.FUSED_BATCH_NORM,
                b.conv(name + "/conv1", x, 1, 1, in, mid, 1, "VALID"), mid));
        String c2in = stride == 1 ? c1 : b.pad(name + "/pad2", c1, 1, 1, 1, 1);
        String c2 = b.unary(name + "/relu2", Ops.RELU, b.batchNorm(name + "/bn2", Ops.FUSED_BATCH_NORM_V3,
                b.conv(name + "/conv2", c2in, 3, 3, mid, mid, stride, stride == 1 ? "SAME" : "VALID"), mid));
        String c3 = b.batchNorm(name + "/bn3", Ops.FUSED_BATCH_NORM, b.conv(name + "/conv3", c2, 1, 1, mid, out, 1, "VALID"), out);
        return b.unary(name + "/relu_out", Ops.RELU, b.binary(name + "/add", Ops.ADD_V2, c3, shortcut));
    }
}
