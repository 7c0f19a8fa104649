package io.qtune.testing;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeAttr;
import io.qtune.graph.Tensor;
import java.util.function.UnaryOperator;

/**
 * A tiny classifier in the MLPerf shape (Pad, Conv2D, FusedBatchNorm, Relu, MaxPool, Mean, MatMul, BiasAdd,
 * Softmax and ArgMax; 8x8x3 input, 1001 outputs), and the damaged variants of the hostile-input table (issue 13).
 */
public final class HostileGraphs {
    private HostileGraphs() {}

    public static Graph classifier() {
        GraphBuilder b = new GraphBuilder(13);
        String x = b.placeholder("input_tensor", -1, 8, 8, 3);
        String p = b.pad("pad", x, 1, 1, 1, 1);
        String c = b.conv("conv", p, 3, 3, 3, 4, 1, "VALID");
        String bn = b.batchNorm("bn", Ops.FUSED_BATCH_NORM_V3, c, 4);
        String r = b.unary("relu", Ops.RELU, bn);
        String pool = b.pool("pool", Ops.MAX_POOL, r, 2, 2, "VALID");
        String m = b.mean("mean", pool, false, 1, 2);
        String d = b.matMul("dense", m, 4, 1001);
        String logits = b.biasAdd("dense/bias_add", d, 1001);
        b.unary("softmax_tensor", Ops.SOFTMAX, logits);
        b.argMax("ArgMax", logits);
        return b.build();
    }

    /** The classifier with one node replaced. */
    public static Graph with(String node, UnaryOperator<Node> change) {
        Graph g = classifier();
        return g.edit().put(change.apply(g.node(node))).build();
    }

    /** The classifier with a float constant's values changed in place (same shape). */
    public static Graph withValues(String constNode, UnaryOperator<float[]> change) {
        return with(constNode, n -> {
            Tensor t = n.attrTensor("value");
            return n.withAttr("value", Tensor.ofFloats(t.shape(), change.apply(t.floats().clone())));
        });
    }

    public static Graph stride(long s) {
        return with("conv", n -> n.withAttr("strides", new long[] {1, s, s, 1}));
    }

    public static Graph pad(long amount) {
        return with("pad/paddings", n -> n.withAttr("value", Tensor.ofLongs(DType.INT32, new long[] {4, 2},
                new long[] {0, 0, amount, amount, amount, amount, 0, 0})));
    }

    public static Graph inputSize(long hw) {
        return with("input_tensor", n -> n.withAttr("shape", new ShapeAttr(new long[] {-1, hw, hw, 3})));
    }

    public static Graph poolSize(long k) {
        return with("pool", n -> n.withAttr("ksize", new long[] {1, k, k, 1}));
    }

    public static Graph value(String constNode, int index, float v) {
        return withValues(constNode, f -> {
            f[index] = v;
            return f;
        });
    }

    /** Makes a FIFO (named pipe) at {@code p}: reading one blocks until a writer comes. */
    public static java.nio.file.Path fifo(java.nio.file.Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        if (mk.waitFor() != 0) throw new IllegalStateException("mkfifo failed");
        return p;
    }
}
