package io.qtune.graph.passes;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code inspect} reports about a model: its inputs and outputs, op counts before and after the inference
 * passes, parameter count and multiply-accumulates per image.
 */
public record ModelSummary(List<Port> inputs, List<Port> outputs, Map<String, Integer> opsImported,
                           Map<String, Integer> opsFused, long parameters, long parametersFused, long macsPerImage) {

    /** A graph input or output: node name, op, element type and shape (-1 for the batch). */
    public record Port(String name, String op, String dtype, long[] shape) {}

    public static ModelSummary of(Graph imported) {
        Graph fused = Passes.fuseForInference(imported);
        Map<TensorRef, long[]> shapes = ShapeInference.infer(imported, 1);
        List<Port> ins = new ArrayList<>();
        for (Node p : imported.placeholders()) {
            long[] s = shapes.get(new TensorRef(p.name(), 0)).clone();
            s[0] = -1;
            ins.add(new Port(p.name(), p.op(), p.attrType("dtype", DType.FLOAT).name().toLowerCase(), s));
        }
        List<Port> outs = new ArrayList<>();
        for (Node n : imported.sinks()) {
            long[] s = shapes.get(new TensorRef(n.name(), 0)).clone();
            if (s.length > 0) s[0] = -1;
            String dtype = n.op().equals(Ops.ARG_MAX) ? n.attrType("output_type", DType.INT64).name().toLowerCase()
                    : n.op().equals(Ops.CAST) ? n.attrType("DstT", DType.FLOAT).name().toLowerCase() : "float";
            outs.add(new Port(n.name(), n.op(), dtype, s));
        }
        return new ModelSummary(ins, outs, imported.opCounts(), fused.opCounts(), floatParameters(imported),
                floatParameters(fused), macs(fused));
    }

    private static long floatParameters(Graph g) {
        long n = 0;
        for (Node c : g.nodes()) {
            // weights: float, or qint8 filters of a quantized graph (their min/max vectors are bookkeeping)
            if (!c.op().equals(Ops.CONST)) continue;
            Tensor t = c.attrTensor("value");
            if (t.rank() > 0 && (t.isFloat() || t.dtype() == DType.QINT8 || t.dtype() == DType.QINT32) && !isRangeOfQuantizedOp(g, c)) n += t.size();
        }
        return n;
    }

    private static boolean isRangeOfQuantizedOp(Graph g, Node c) {
        for (Node reader : g.consumers(c.name())) {
            if (!Ops.isQuantizedConv(reader.op())) continue;
            for (int i = 3; i < reader.inputs().size(); i++) if (reader.input(i).node().equals(c.name()) && i != 9) return true;
        }
        return false;
    }

    /** Multiply-accumulates of convolutions and matrix products for one image. */
    public static long macs(Graph g) {
        Map<TensorRef, long[]> shapes = ShapeInference.infer(g, 1);
        long total = 0;
        for (Node n : g.nodes()) {
            if (Ops.isConv(n.op()) || Ops.isQuantizedConv(n.op())) {
                long[] y = shapes.get(new TensorRef(n.name(), 0)), w = shapes.get(n.input(1));
                total += y[1] * y[2] * w[0] * w[1] * w[2] * w[3];
            } else if (n.op().equals(Ops.MAT_MUL)) {
                long[] y = shapes.get(new TensorRef(n.name(), 0)), a = shapes.get(n.input(0));
                long k = n.attrBool("transpose_a", false) ? a[0] : a[1];
                total += y[0] * y[1] * k;
            }
        }
        return total;
    }
}
