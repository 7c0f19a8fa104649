package io.qtune.testing;

import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Runs an IR graph in stock TensorFlow Java: the independent reference for graphs TF can load. */
public final class TfReference {
    private TfReference() {}

    public static Map<String, float[]> run(Graph graph, String input, float[] data, long[] shape, List<String> fetches) {
        org.tensorflow.proto.GraphDef def = GraphDefCodec.toGraphDef(graph);
        // any Quantize* op counts as INT8: with its oneDNN off TF runs QuantizeV2/Dequantize on Eigen, not the kernels
        // the references were measured against; the call also fixes TF's setting before TF's first load
        boolean int8 = graph.nodes().stream().anyMatch(n -> n.op().startsWith("Quantize"));
        Cpu.assumeTfRuns(int8 ? io.qtune.platform.TfOnednn.Kind.INT8 : io.qtune.tf.TfModel.kind(def), "<reference graph>");
        try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
            g.importGraphDef(def);
            try (Session s = new Session(g);
                 TFloat32 in = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(data, true, false))) {
                Session.Runner r = s.runner().feed(input, in);
                for (String f : fetches) r.fetch(f);
                try (Result res = r.run()) {
                    Map<String, float[]> out = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < fetches.size(); i++) {
                        org.tensorflow.Tensor t = res.get(i);
                        float[] v = new float[(int) t.shape().size()];
                        if (t instanceof TFloat32 f) {
                            f.copyTo(DataBuffers.of(v, false, false));
                        } else if (t instanceof org.tensorflow.types.TBfloat16 h) {
                            h.copyTo(DataBuffers.of(v, false, false)); // bf16 values widen exactly
                        } else if (t instanceof TInt64 l) {
                            long[] lv = new long[v.length];
                            l.copyTo(DataBuffers.of(lv, false, false));
                            for (int j = 0; j < v.length; j++) v[j] = lv[j];
                        } else {
                            throw new IllegalArgumentException("unsupported output type " + t.dataType());
                        }
                        out.put(fetches.get(i), v);
                    }
                    return out;
                }
            }
        }
    }
}
