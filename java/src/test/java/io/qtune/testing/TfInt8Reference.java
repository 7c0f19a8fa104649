package io.qtune.testing;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * Runs a graph with quantized tensors in stock TensorFlow Java and fetches any tensor, quantized ones included.
 * TF Java has no Java type for qint8/quint8, so a quantized fetch goes through a Bitcast to uint8.
 * Each fetch is a separate run: TF then executes only what that tensor needs, so fetching a residual summand
 * does not keep it alive past the convolution that takes it over in place (which TF would refuse).
 */
public final class TfInt8Reference {
    private TfInt8Reference() {}

    /** A fetched tensor: its shape, TF data type name and values (quantized ones as their integers). */
    public record Fetched(long[] shape, String dtype, float[] values) {}

    /**
     * @param fetches tensor name ("node" or "node:k") to the type TF gives it; quantized types are bitcast
     */
    public static Map<String, Fetched> run(Graph graph, String input, float[] data, long[] shape, Map<String, DType> fetches) {
        Cpu.assumeTfRunsInt8(); // also before TF's first load
        List<Node> nodes = new ArrayList<>(graph.nodes());
        Map<String, String> fetchAs = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<String, DType> f : fetches.entrySet()) {
            DType t = f.getValue();
            if (t == DType.QINT8 || t == DType.QUINT8) {
                String name = "qtune_fetch/bitcast_" + (k++);
                Map<String, Object> attrs = new LinkedHashMap<>();
                attrs.put("T", t);
                attrs.put("type", DType.UINT8);
                nodes.add(new Node(name, "Bitcast", List.of(TensorRef.parse(f.getKey())), attrs));
                fetchAs.put(f.getKey(), name);
            } else {
                fetchAs.put(f.getKey(), f.getKey());
            }
        }
        Graph withCasts = new Graph(nodes);
        Map<String, Fetched> out = new LinkedHashMap<>();
        try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
            g.importGraphDef(GraphDefCodec.toGraphDef(withCasts));
            try (Session s = new Session(g);
                 TFloat32 in = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(data, true, false))) {
                for (Map.Entry<String, DType> f : fetches.entrySet()) {
                    try (Result res = s.runner().feed(input, in).fetch(fetchAs.get(f.getKey())).run()) {
                        out.put(f.getKey(), convert(res.get(0), f.getValue()));
                    }
                }
            }
        }
        return out;
    }

    private static Fetched convert(org.tensorflow.Tensor t, DType declared) {
        long[] shape = t.shape().asArray();
        float[] v = new float[(int) t.shape().size()];
        if (t instanceof TFloat32 f) {
            f.copyTo(DataBuffers.of(v, false, false));
            return new Fetched(shape, "float", v);
        }
        if (t instanceof TInt64 l) {
            long[] lv = new long[v.length];
            l.copyTo(DataBuffers.of(lv, false, false));
            for (int j = 0; j < v.length; j++) v[j] = lv[j];
            return new Fetched(shape, "int64", v);
        }
        if (t instanceof TUint8 u) {
            byte[] b = new byte[v.length];
            u.copyTo(DataBuffers.of(b, false, false));
            for (int j = 0; j < v.length; j++) v[j] = declared == DType.QINT8 ? b[j] : Byte.toUnsignedInt(b[j]);
            return new Fetched(shape, declared.name().toLowerCase(), v);
        }
        throw new IllegalArgumentException("unsupported fetched type " + t.dataType());
    }
}
