package io.qtune.engine;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeAttr;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds small fused graphs by hand, with seeded random constants. */
final class TestGraph {
    private final List<Node> nodes = new ArrayList<>();
    private final Random random;

    TestGraph(long seed) {
        random = new Random(seed);
    }

    Graph build() {
        return new Graph(nodes);
    }

    String add(String name, String op, List<String> inputs, Object... attrs) {
        Map<String, Object> a = new LinkedHashMap<>();
        for (int i = 0; i < attrs.length; i += 2) a.put((String) attrs[i], attrs[i + 1]);
        nodes.add(new Node(name, op, inputs.stream().map(TensorRef::parse).toList(), a));
        return name;
    }

    String input(String name, long... shape) {
        return add(name, Ops.PLACEHOLDER, List.of(), "dtype", DType.FLOAT, "shape", new ShapeAttr(shape));
    }

    String constant(String name, Tensor t) {
        return add(name, Ops.CONST, List.of(), "dtype", t.dtype(), "value", t);
    }

    String randomConst(String name, float scale, long... shape) {
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * scale);
        return constant(name, Tensor.ofFloats(shape, v));
    }

    String ints(String name, long... values) {
        return constant(name, Tensor.vectorInt32(values));
    }

    /** A _FusedConv2D with random HWIO filter and bias; summand may be null. */
    String fusedConv(String name, String in, long inC, long outC, long k, long stride, String padding, long[] explicit,
                     List<String> fusedOps, String summand) {
        // He-style scale keeps activations of order 1 through a few layers
        String w = randomConst(name + "/filter", (float) Math.sqrt(2.0 / (k * k * inC)), k, k, inC, outC);
        String b = randomConst(name + "/bias", 0.1f, outC);
        List<String> ins = new ArrayList<>(List.of(in, w, b));
        if (summand != null) ins.add(summand);
        List<Object> attrs = new ArrayList<>(List.of("T", DType.FLOAT, "strides", new long[] {1, stride, stride, 1},
                "padding", padding, "dilations", new long[] {1, 1, 1, 1}, "data_format", "NHWC", "fused_ops", fusedOps,
                "num_args", (long) (summand != null ? 2 : 1)));
        if (explicit != null) {
            attrs.add("explicit_paddings");
            attrs.add(explicit);
        }
        return add(name, Ops.FUSED_CONV2D, ins, attrs.toArray());
    }

    String conv(String name, String in, long inC, long outC, long k, long stride, String padding) {
        String w = randomConst(name + "/filter", (float) Math.sqrt(2.0 / (k * k * inC)), k, k, inC, outC);
        return add(name, Ops.CONV2D, List.of(in, w), "T", DType.FLOAT, "strides", new long[] {1, stride, stride, 1},
                "padding", padding, "data_format", "NHWC");
    }

    String pool(String name, String op, String in, long k, long stride, String padding) {
        return add(name, op, List.of(in), "T", DType.FLOAT, "ksize", new long[] {1, k, k, 1},
                "strides", new long[] {1, stride, stride, 1}, "padding", padding, "data_format", "NHWC");
    }

    String mean(String name, String in, boolean keepDims) {
        String axes = ints(name + "/axes", 1, 2);
        return add(name, Ops.MEAN, List.of(in, axes), "T", DType.FLOAT, "Tidx", DType.INT32, "keep_dims", keepDims);
    }

    String matMul(String name, String in, long k, long out, boolean transposeB) {
        String w = transposeB ? randomConst(name + "/weights", 0.3f, out, k) : randomConst(name + "/weights", 0.3f, k, out);
        return add(name, Ops.MAT_MUL, List.of(in, w), "T", DType.FLOAT, "transpose_a", false, "transpose_b", transposeB);
    }

    String biasAdd(String name, String in, long c) {
        String b = randomConst(name + "/bias", 0.2f, c);
        return add(name, Ops.BIAS_ADD, List.of(in, b), "T", DType.FLOAT, "data_format", "NHWC");
    }

    String argMax(String name, String in, long axis) {
        String a = constant(name + "/dimension", Tensor.ofLongs(DType.INT32, new long[0], new long[] {axis}));
        return add(name, Ops.ARG_MAX, List.of(in, a), "T", DType.FLOAT, "Tidx", DType.INT32, "output_type", DType.INT64);
    }

    float[] randomInput(int elements) {
        float[] v = new float[elements];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return v;
    }
}
