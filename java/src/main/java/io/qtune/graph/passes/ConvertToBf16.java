package io.qtune.graph.passes;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Retypes a stock-TF-op FP32 graph to bfloat16 where TF 2.18 runs the op in bf16 on a CPU, as TensorFlow's
 * auto-mixed-precision optimizer does for oneDNN: convolutions and matmuls always (they accumulate in f32), the ops
 * between them when what they read is already bf16, and nothing that sums many terms or is an output (Mean,
 * Softmax, ArgMax stay FP32). Float constants read by a bf16 op become DT_BFLOAT16 constants (rounded to nearest
 * even, as TF's Cast does); a {@code Cast} sits on every edge where the type changes, so the input placeholder and
 * every graph output keep their FP32 type and name.
 */
public final class ConvertToBf16 implements GraphPass {
    /** Ops worth bf16 on their own: the dot products, which oneDNN accumulates in f32. */
    public static final Set<String> ALLOW = Set.of(Ops.CONV2D, Ops.MAT_MUL);
    /** Ops that run in bf16 when a float input is bf16 already (elementwise, max, data movement). */
    public static final Set<String> FOLLOW = Set.of(Ops.BIAS_ADD, Ops.ADD, Ops.ADD_V2, Ops.RELU, Ops.RELU6,
            Ops.MAX_POOL, Ops.IDENTITY, Ops.SQUEEZE, Ops.RESHAPE);

    /** Whether ops are chosen by TF's auto-mixed-precision rules (a whole model) or by the plan's marks. */
    private final boolean byMarks;

    /** The whole model, by auto-mixed-precision's rules. */
    public ConvertToBf16() {
        this(false);
    }

    private ConvertToBf16(boolean byMarks) {
        this.byMarks = byMarks;
    }

    /**
     * Exactly the ops marked {@link Ops#PRECISION_ATTR}=bf16 (the INT8 exporter marks every TF op of a convolution
     * the plan puts in BF16), in a graph that may hold quantized ops: TF then runs those ops in bf16 too.
     */
    public static ConvertToBf16 marked() {
        return new ConvertToBf16(true);
    }

    @Override
    public String name() {
        return byMarks ? "convert-marked-to-bf16" : "convert-to-bf16";
    }

    @Override
    public Graph apply(Graph g) {
        Map<TensorRef, DType> types = new HashMap<>();
        Set<String> bf16 = new HashSet<>();
        for (Node n : g.nodes()) {
            requireNotBf16(n);
            boolean marked = Ops.BF16.equals(n.attrs().get(Ops.PRECISION_ATTR));
            if (byMarks ? marked && n.op().equals(Ops.FUSED_CONV2D) : !Ops.FP32.contains(n.op()) || n.op().equals(Ops.FUSED_CONV2D)) {
                throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): not an op of a stock FP32 graph; "
                        + "convert an FP32 model, not a quantized or fused one");
            }
            boolean floatOp = n.attrType("T", DType.FLOAT) == DType.FLOAT && n.hasAttr("T");
            boolean readsBf16 = n.inputs().stream().anyMatch(r -> types.get(r) == DType.BFLOAT16);
            boolean wanted = byMarks ? marked && (ALLOW.contains(n.op()) || readsBf16) : ALLOW.contains(n.op()) || FOLLOW.contains(n.op()) && readsBf16;
            if (floatOp && wanted && !oddInputChannels(g, n)) bf16.add(n.name());
            types.put(new TensorRef(n.name(), 0), bf16.contains(n.name()) ? DType.BFLOAT16 : outputType(n));
        }

        Graph.Editor e = g.edit();
        Map<TensorRef, TensorRef> toBf16 = new HashMap<>(), toFloat = new HashMap<>();
        Set<String> sinks = new HashSet<>(g.sinks().stream().map(Node::name).toList());
        for (Node n : g.nodes()) {
            boolean isBf16 = bf16.contains(n.name());
            List<TensorRef> ins = new java.util.ArrayList<>(n.inputs());
            for (int i = 0; i < ins.size(); i++) {
                TensorRef r = ins.get(i);
                DType t = types.get(r);
                if (isBf16 && t == DType.FLOAT) ins.set(i, bf16Of(g, e, r, toBf16));
                else if (!isBf16 && t == DType.BFLOAT16) ins.set(i, cast(e, r, DType.BFLOAT16, DType.FLOAT, toFloat));
            }
            Node m = n.withInputs(ins);
            // the engine's mark is implied by the type now; TF ignores it, a reader would be misled by it
            if (isBf16) m = m.withAttr("T", DType.BFLOAT16).withoutAttr(Ops.PRECISION_ATTR);
            if (isBf16 && sinks.contains(n.name())) {
                // an output keeps its name and FP32 type: the bf16 op moves aside, a Cast takes the name
                String moved = e.uniqueName(n.name() + "/bf16");
                e.remove(n.name());
                e.put(m.withName(moved));
                e.put(castNode(n.name(), new TensorRef(moved, 0), DType.BFLOAT16, DType.FLOAT));
            } else {
                e.put(m);
            }
        }
        return e.build();
    }

    /**
     * Whether {@code n} is a convolution over an odd number of input channels (ResNet's RGB stem). TF 2.18's oneDNN
     * (3.5) reorders such a bf16 filter into a layout that pairs input channels and loses the last, unpaired one (a
     * 3-channel 7x7 stem computed with input channel 2 zeroed for most output channels: top-1 0.615 instead of 0.933 on
     * the proxy, measured on AMD Zen 5; FP32 keeps it right), so it stays FP32 and its readers follow from that.
     */
    static boolean oddInputChannels(Graph g, Node n) {
        if (!n.op().equals(Ops.CONV2D)) return false;
        Tensor filter = g.constant(n.input(1));
        return filter != null && filter.rank() == 4 && filter.dim(2) % 2 == 1;
    }

    /** Refuses a node that is bfloat16 already (a type or a constant): conversion starts from an FP32 graph. */
    static void requireNotBf16(Node n) {
        if (ReadBf16.mentionsBf16(n)) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + ") is bfloat16 already: convert an FP32 graph");
        }
    }

    /** What a node of an FP32 graph outputs (output 0). */
    static DType outputType(Node n) {
        return switch (n.op()) {
            case Ops.CONST -> n.attrTensor("value").dtype();
            case Ops.PLACEHOLDER -> n.attrType("dtype", DType.FLOAT);
            case Ops.CAST -> n.attrType("DstT");
            case Ops.ARG_MAX -> n.attrType("output_type", DType.INT64);
            case Ops.DEQUANTIZE -> n.attrType("dtype", DType.FLOAT);
            case Ops.QUANTIZE_V2 -> n.attrType("T");
            default -> n.attrType("T", DType.FLOAT);
        };
    }

    /** A float tensor as bf16: a float constant becomes a bf16 constant, anything computed goes through a Cast. */
    private static TensorRef bf16Of(Graph g, Graph.Editor e, TensorRef r, Map<TensorRef, TensorRef> made) {
        TensorRef have = made.get(r);
        if (have != null) return have;
        Tensor c = g.constant(r);
        TensorRef out;
        if (c != null && c.isFloat()) {
            String name = e.uniqueName(r.node() + "/bf16");
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("dtype", DType.BFLOAT16);
            a.put("value", Tensor.ofBfloat16(c.shape(), c.floats()));
            e.put(new Node(name, Ops.CONST, List.of(), a));
            out = new TensorRef(name, 0);
        } else {
            out = cast(e, r, DType.FLOAT, DType.BFLOAT16, made);
        }
        made.put(r, out);
        return out;
    }

    private static TensorRef cast(Graph.Editor e, TensorRef r, DType from, DType to, Map<TensorRef, TensorRef> made) {
        TensorRef have = made.get(r);
        if (have != null) return have;
        String name = e.uniqueName(r.node() + (r.output() == 0 ? "" : "_" + r.output()) + "/to_" + (to == DType.FLOAT ? "fp32" : "bf16"));
        e.put(castNode(name, r, from, to));
        TensorRef out = new TensorRef(name, 0);
        made.put(r, out);
        return out;
    }

    /** A TF Cast from {@code src} to {@code dst} named {@code name}. */
    static Node castNode(String name, TensorRef from, DType src, DType dst) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("DstT", dst);
        a.put("SrcT", src);
        a.put("Truncate", false);
        return new Node(name, Ops.CAST, List.of(from), a);
    }
}
