package io.qtune.tune;

import io.qtune.reference.ReferenceInterpreter;
import io.qtune.reference.Int8ReferenceInterpreter;
import io.qtune.semantics.Int8Semantics;
import io.qtune.export.Int8GraphWriter;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.TensorRef;
import io.qtune.quant.QuantPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per-layer error of an INT8 graph against FP32, on a few images, through the Java reference interpreters: each fused
 * op's output (dequantized where it is INT8) against the same op of the fused FP32 graph. Errors compound, so a layer
 * shows what quantization did up to and including it.
 */
public final class LayerErrors {
    /** SQNR in dB (10 log10 signal/noise power; +inf when identical) and cosine similarity. */
    public record LayerError(String op, String precision, double sqnrDb, double cosine) {}

    private LayerErrors() {}

    public static List<LayerError> compute(Graph fused, Graph int8, QuantPlan plan, String input, long[] shape, float[] images) {
        Map<TensorRef, ReferenceInterpreter.Value> f = new ReferenceInterpreter(fused).runAll(
                Map.of(input, new ReferenceInterpreter.Value(shape, images)));
        Map<TensorRef, Int8ReferenceInterpreter.Value> q = new Int8ReferenceInterpreter(int8).runAll(
                Map.of(input, new ReferenceInterpreter.Value(shape, images)));
        List<LayerError> out = new ArrayList<>();
        for (String op : plan.ops().keySet().stream().filter(fused::contains).toList()) {
            ReferenceInterpreter.Value ref = f.get(new TensorRef(op, 0));
            float[] got = dequantized(q, op);
            if (ref == null || got == null || got.length != ref.data().length) continue;
            out.add(measure(op, plan.op(op).precision().name(), ref.data(), got));
        }
        // graph order, as the plan is sorted by name
        List<String> order = fused.nodes().stream().map(io.qtune.graph.Node::name).toList();
        out.sort(java.util.Comparator.comparingInt(e -> order.indexOf(e.op())));
        return out;
    }

    private static float[] dequantized(Map<TensorRef, Int8ReferenceInterpreter.Value> q, String op) {
        for (String suffix : List.of(Int8GraphWriter.QUANTIZED_CONV_SUFFIX, Int8GraphWriter.QUANTIZED_POOL_SUFFIX)) {
            Int8ReferenceInterpreter.Value v = q.get(new TensorRef(op + suffix, 0));
            if (v != null && v.quantized()) {
                float min = q.get(new TensorRef(op + suffix, 1)).data()[0], max = q.get(new TensorRef(op + suffix, 2)).data()[0];
                float scale = Int8Semantics.dequantizeScale(v.dtype(), min, max);
                float[] d = new float[v.data().length];
                for (int i = 0; i < d.length; i++) d[i] = v.data()[i] * scale;
                return d;
            }
        }
        Int8ReferenceInterpreter.Value v = q.get(new TensorRef(op, 0));
        return v != null && v.dtype() == DType.FLOAT ? v.data() : null;
    }

    static LayerError measure(String op, String precision, float[] ref, float[] got) {
        double signal = 0, noise = 0, dot = 0, nr = 0, ng = 0;
        for (int i = 0; i < ref.length; i++) {
            double r = ref[i], g = got[i], e = g - r;
            signal += r * r;
            noise += e * e;
            dot += r * g;
            nr += r * r;
            ng += g * g;
        }
        double sqnr = noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
        double cos = nr == 0 || ng == 0 ? (nr == ng ? 1 : 0) : dot / Math.sqrt(nr * ng);
        return new LayerError(op, precision, sqnr, cos);
    }
}
