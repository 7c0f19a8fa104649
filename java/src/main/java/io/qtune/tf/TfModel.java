package io.qtune.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.qtune.QtuneException;
import io.qtune.platform.TfOnednn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A frozen TensorFlow GraphDef loaded into a TF Java graph and session: the FP32 reference runtime.
 *
 * <p>Feeds one float32 NHWC input and fetches any number of tensors by name ({@code "node"} or
 * {@code "node:index"}). Fetched float, double, int32 and int64 tensors all come back as float arrays.
 * Not thread-safe for concurrent {@link #run} calls from several threads on one instance.
 */
public final class TfModel implements AutoCloseable {
    /** A fetched tensor: its shape and its values in row-major order. */
    public record Output(long[] shape, float[] values) {
        /** Number of elements along dimension {@code d}. */
        public int dim(int d) {
            return Math.toIntExact(shape[d]);
        }
    }

    /**
     * TF cannot run this graph in this process with the oneDNN setting it started with ({@link TfOnednn}): the user's
     * {@code TF_ENABLE_ONEDNN_OPTS}, or an earlier graph that needed the other setting. Callers running several
     * models can skip this one and go on.
     */
    public static final class OnednnSettingRefusal extends QtuneException {
        OnednnSettingRefusal(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String source;
    private final Graph graph;
    private final Session session;

    private TfModel(String source, Graph graph, Session session) {
        this.source = source;
        this.graph = graph;
        this.session = session;
    }

    /** Loads a frozen GraphDef file; {@code intraOpThreads <= 0} lets TF pick. */
    public static TfModel load(Path file, int intraOpThreads) {
        byte[] bytes;
        bytes = io.qtune.ModelFile.read(file); // a regular file, bounded: no FIFO hang, no out-of-memory
        return fromBytes(bytes, file.toString(), intraOpThreads);
    }

    /** Loads serialized GraphDef bytes; {@code source} names them in error messages (a file name). */
    public static TfModel fromBytes(byte[] graphDef, String source, int intraOpThreads) {
        GraphDef def;
        try {
            def = GraphDef.parseFrom(graphDef);
        } catch (InvalidProtocolBufferException e) {
            throw new QtuneException("model " + source + " is not a TensorFlow GraphDef: " + oneLine(e.getMessage()), e);
        }
        return fromGraphDef(def, source, intraOpThreads);
    }

    /** Loads a GraphDef message; {@code source} names it in error messages. */
    public static TfModel fromGraphDef(GraphDef def, String source, int intraOpThreads) {
        if (def.getNodeCount() == 0) {
            throw new QtuneException("model " + source + " has no nodes (empty or not a GraphDef)");
        }
        // before the first Graph: TF's native library reads TF_ENABLE_ONEDNN_OPTS when it loads
        String refusal = TfOnednn.refusal(kind(def), source);
        if (refusal != null) throw new OnednnSettingRefusal(refusal, null);
        Graph graph = new Graph();
        try {
            graph.importGraphDef(def);
        } catch (RuntimeException e) {
            graph.close();
            throw new QtuneException("TensorFlow rejected model " + source + ": " + oneLine(e.getMessage()), e);
        }
        ConfigProto.Builder config = ConfigProto.newBuilder().setInterOpParallelismThreads(1);
        if (intraOpThreads > 0) {
            config.setIntraOpParallelismThreads(intraOpThreads);
        }
        try {
            return new TfModel(source, graph, new Session(graph, config.build()));
        } catch (RuntimeException e) {
            graph.close();
            throw new QtuneException("TensorFlow cannot open a session for model " + source + ": " + oneLine(e.getMessage()), e);
        }
    }

    /**
     * What the graph needs of TF's oneDNN setting: INT8 when it has an op of Intel's that TF registers only on its
     * oneDNN path (QuantizedConv2DWithBias...AndRequantize, QuantizedMatMulWith..., _Quantized...; TF's own
     * QuantizeV2, Dequantize, QuantizedMaxPool... run either way), else BF16 when it has a bfloat16 type, else FP32.
     */
    public static TfOnednn.Kind kind(GraphDef def) {
        for (org.tensorflow.proto.NodeDef n : def.getNodeList()) {
            String op = n.getOp();
            if (op.startsWith("_Quantized") || op.startsWith("Quantized") && (op.contains("With") || op.contains("And")
                    || op.contains("PerChannel") || op.startsWith("QuantizedDepthwiseConv2D") || op.equals("QuantizedConcatV2"))) {
                return TfOnednn.Kind.INT8;
            }
        }
        return hasBfloat16(def) ? TfOnednn.Kind.BF16 : TfOnednn.Kind.FP32;
    }

    /** Whether any node of the graph has a bfloat16 type attribute or constant. */
    static boolean hasBfloat16(GraphDef def) {
        for (org.tensorflow.proto.NodeDef n : def.getNodeList()) {
            for (org.tensorflow.proto.AttrValue v : n.getAttrMap().values()) {
                if (v.getType() == org.tensorflow.proto.DataType.DT_BFLOAT16
                        || v.hasTensor() && v.getTensor().getDtype() == org.tensorflow.proto.DataType.DT_BFLOAT16) return true;
            }
        }
        return false;
    }

    /** Where the model came from, as given at load time. */
    public String source() {
        return source;
    }

    /** True when the graph has a node with this name. */
    public boolean hasNode(String name) {
        return graph.operation(name) != null;
    }

    /** Op type of a node, e.g. "Conv2D"; throws when absent. */
    public String opType(String name) {
        return node(name).type();
    }

    /**
     * Runs the graph once and returns each fetched tensor's values as float[], keyed by fetch name.
     *
     * @param inputName name of the float32 input node (e.g. "input_tensor")
     * @param nhwc input values, row-major, {@code product(shape)} of them
     * @param shape input shape, e.g. {N, H, W, C}
     * @param fetches tensor names, "node" (output 0) or "node:index"
     */
    public Map<String, float[]> run(String inputName, float[] nhwc, long[] shape, List<String> fetches) {
        Map<String, Output> outs = runOutputs(inputName, nhwc, shape, fetches);
        Map<String, float[]> values = new LinkedHashMap<>();
        outs.forEach((k, v) -> values.put(k, v.values()));
        return values;
    }

    /** Like {@link #run} but each fetched tensor keeps its shape. */
    public Map<String, Output> runOutputs(String inputName, float[] nhwc, long[] shape, List<String> fetches) {
        node(baseName(inputName));
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new QtuneException("input shape " + Arrays.toString(shape) + " for model " + source + " has a negative dimension");
            n *= d;
        }
        if (n != nhwc.length) {
            throw new QtuneException("input '" + inputName + "' of model " + source + ": shape " + Arrays.toString(shape)
                    + " needs " + n + " values, got " + nhwc.length);
        }
        if (fetches.isEmpty()) throw new QtuneException("nothing to fetch from model " + source);
        for (String f : fetches) node(baseName(f));

        Map<String, Output> out = new LinkedHashMap<>();
        try (TFloat32 input = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(nhwc, true, false))) {
            Session.Runner runner = session.runner().feed(inputName, input);
            for (String f : fetches) runner.fetch(f);
            try (Result result = runner.run()) {
                for (int i = 0; i < fetches.size(); i++) {
                    out.put(fetches.get(i), toOutput(fetches.get(i), result.get(i)));
                }
            }
        } catch (QtuneException e) {
            throw e;
        } catch (RuntimeException e) {
            String msg = oneLine(e.getMessage());
            // TF registers Intel's quantized ops on its oneDNN path only; with it off they produce no output (a
            // quantized op that kind() does not know reaches here instead of being refused at load)
            String off = msg.startsWith("Missing 0-th output") && msg.contains("quantized")
                    ? TfOnednn.refusal(TfOnednn.Kind.INT8, source) : null;
            if (off != null) throw new OnednnSettingRefusal(off, e);
            throw new QtuneException("TensorFlow failed to run model " + source + ": " + msg, e);
        }
        return out;
    }

    private Output toOutput(String name, Tensor t) {
        long[] shape = t.shape().asArray();
        long n = t.shape().size();
        if (n > Integer.MAX_VALUE) throw new QtuneException("tensor " + name + " of model " + source + " is too large to fetch");
        float[] values = new float[(int) n];
        switch (t.dataType()) {
            case DT_FLOAT -> ((TFloat32) t).copyTo(DataBuffers.of(values, false, false));
            case DT_DOUBLE -> {
                double[] d = new double[values.length];
                ((TFloat64) t).copyTo(DataBuffers.of(d, false, false));
                for (int i = 0; i < d.length; i++) values[i] = (float) d[i];
            }
            case DT_INT32 -> {
                int[] d = new int[values.length];
                ((TInt32) t).copyTo(DataBuffers.of(d, false, false));
                for (int i = 0; i < d.length; i++) values[i] = d[i];
            }
            case DT_INT64 -> {
                long[] d = new long[values.length];
                ((TInt64) t).copyTo(DataBuffers.of(d, false, false));
                for (int i = 0; i < d.length; i++) values[i] = d[i];
            }
            default -> throw new QtuneException("tensor " + name + " of model " + source + " has type " + t.dataType()
                    + "; only float, double, int32 and int64 can be fetched");
        }
        return new Output(shape, values);
    }

    private GraphOperation node(String name) {
        GraphOperation op = graph.operation(name);
        if (op == null) throw new QtuneException("model " + source + " has no node named '" + name + "'");
        return op;
    }

    private static String baseName(String tensorName) {
        int colon = tensorName.lastIndexOf(':');
        if (colon > 0 && colon < tensorName.length() - 1 && tensorName.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            return tensorName.substring(0, colon);
        }
        return tensorName;
    }

    /** TF messages often span lines (stack of node contexts); the first line is the reason. */
    static String oneLine(String message) {
        if (message == null) return "(no message)";
        String s = message.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
