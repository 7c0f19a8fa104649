package io.qtune.export;

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
import java.util.SplittableRandom;

/** Hand-built INT8 graphs in Intel's format for the semantics tests: one quantized op fed by QuantizeV2 nodes. */
final class Int8OpGraphs {
    private final List<Node> nodes = new ArrayList<>();
    final SplittableRandom rnd;

    Int8OpGraphs(long seed) {
        rnd = new SplittableRandom(seed);
    }

    String add(String name, String op, List<String> inputs, Map<String, Object> attrs) {
        nodes.add(new Node(name, op, inputs.stream().map(TensorRef::parse).toList(), attrs));
        return name;
    }

    String placeholder(String name) {
        return add(name, Ops.PLACEHOLDER, List.of(), Map.of("dtype", DType.FLOAT, "shape", new ShapeAttr(null)));
    }

    String constant(String name, Tensor t) {
        return add(name, Ops.CONST, List.of(), Map.of("dtype", t.dtype(), "value", t));
    }

    String scalar(String name, float v) {
        return constant(name, Tensor.scalar(v));
    }

    String quantizeV2(String name, String x, DType t, float min, float max) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", t);
        a.put("mode", "SCALED");
        a.put("round_mode", "HALF_TO_EVEN");
        a.put("narrow_range", false);
        a.put("axis", -1L);
        a.put("ensure_minimum_range", 0.01f);
        return add(name, Ops.QUANTIZE_V2, List.of(x, scalar(name + "/min", min), scalar(name + "/max", max)), a);
    }

    String dequantize(String name, String q, DType t) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", t);
        a.put("mode", "SCALED");
        a.put("narrow_range", false);
        a.put("axis", -1L);
        a.put("dtype", DType.FLOAT);
        return add(name, Ops.DEQUANTIZE, List.of(q, q + ":1", q + ":2"), a);
    }

    String maxPool(String name, String q, DType t, long k, long stride, String padding) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", t);
        a.put("ksize", new long[] {1, k, k, 1});
        a.put("strides", new long[] {1, stride, stride, 1});
        a.put("padding", padding);
        return add(name, Ops.QUANTIZED_MAX_POOL, List.of(q, q + ":1", q + ":2"), a);
    }

    /** Random qint8 HWIO filter with random per-channel ranges (each channel's extreme hits +-127 or not). */
    long[] randomFilter(long kh, long kw, long ic, long oc) {
        long[] q = new long[(int) (kh * kw * ic * oc)];
        for (int i = 0; i < q.length; i++) q[i] = rnd.nextInt(-127, 128);
        return q;
    }

    Graph build() {
        return new Graph(nodes);
    }
}
