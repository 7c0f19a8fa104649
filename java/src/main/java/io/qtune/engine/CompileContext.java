package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

/**
 * What an {@link OpLowering} works with while one graph compiles for one batch size: the graph and its shapes,
 * the values computed so far (bind a node's output, read an input), new buffers and views of them, reorders
 * between layouts, and the list of steps being emitted. Native objects made here live in {@link #scope} (kept by
 * the program) or {@link #temp} (freed when compilation ends).
 */
final class CompileContext {
    /** Ops that only rename a buffer. */
    private static final Set<String> VIEWS = Set.of(Ops.IDENTITY, Ops.SQUEEZE, Ops.RESHAPE);

    final Graph g;
    final int batch;
    final engine eng;
    final ConstantCache constants;
    final NativeScope scope = new NativeScope();
    final NativeScope temp = new NativeScope();
    private final Map<TensorRef, long[]> shapes;
    private final Map<TensorRef, Value> bound = new HashMap<>();
    final List<Value> values = new ArrayList<>();
    final List<Step> steps = new ArrayList<>();
    private final Map<String, Integer> position = new HashMap<>();
    private final Map<String, Integer> lastRead = new HashMap<>();
    private final Set<String> fusedAway = new HashSet<>();
    /** Nodes whose output the program returns (the graph's outputs and the extra ones asked for). */
    private final Set<String> returned = new HashSet<>();
    final Set<Value> hostVisible = new LinkedHashSet<>();
    /** The graph's input, once its placeholder is lowered. */
    Value input;
    /** One line per op the program runs differently from what the graph asked (a bf16 conv run in FP32). */
    final List<String> notes = new ArrayList<>();
    /** bf16-marked convolutions lowered in FP32 because the CPU has no bf16: one note says so for all of them. */
    final List<String> bf16WithoutCpu = new ArrayList<>();
    /** The TF types of the quantized tensors lowered so far, and their frozen ranges. */
    final QuantizedTensors quantized;

    CompileContext(Graph g, int batch, engine eng, ConstantCache constants, List<String> extraOutputs) {
        this.g = g;
        this.batch = batch;
        this.eng = eng;
        this.constants = constants;
        this.shapes = ShapeInference.infer(g, batch);
        List<Node> nodes = g.nodes();
        for (int i = 0; i < nodes.size(); i++) position.put(nodes.get(i).name(), i);
        for (Node n : nodes) {
            // only output 0 holds a buffer; outputs 1 and 2 of quantized ops are frozen min/max scalars
            for (TensorRef in : n.inputs()) if (in.output() == 0) lastRead.merge(bufferOwner(in.node()), position.get(n.name()), Math::max);
        }
        for (Node s : g.sinks()) lastRead.put(bufferOwner(s.name()), Integer.MAX_VALUE);
        returned.addAll(extraOutputs);
        for (Node s : g.sinks()) returned.add(s.name());
        for (String o : extraOutputs) {
            if (!g.contains(o)) throw new QtuneException("no node '" + o + "' to return as an output");
            lastRead.put(bufferOwner(o), Integer.MAX_VALUE);
        }
        this.quantized = new QuantizedTensors(this);
    }

    /** The node whose buffer a node's output lives in, looking through views. */
    String bufferOwner(String name) {
        Node n = g.node(name);
        while (VIEWS.contains(n.op())) n = g.producer(n.input(0));
        return n.name();
    }

    /** Whether no step after {@code reader} reads the buffer that input {@code i} of {@code reader} lives in. */
    boolean lastReadBy(Node reader, int i) {
        return lastRead.get(bufferOwner(reader.input(i).node())) <= position.get(reader.name());
    }

    /** Marks a node as computed by an earlier node's step (a BiasAdd folded into an inner product). */
    void fuseAway(Node n) {
        fusedAway.add(n.name());
    }

    boolean isReturned(Node n) {
        return returned.contains(n.name());
    }

    boolean isFusedAway(Node n) {
        return fusedAway.contains(n.name());
    }

    /** The only reader of a node's output, or null if there are several or it is a graph output. */
    Node soleConsumer(Node n) {
        List<Node> c = g.consumers(n.name());
        return c.size() == 1 ? c.get(0) : null;
    }

    // ---------------------------------------------------------------- values

    Value newRoot(String name, long[] shape, memory.desc desc) {
        Value v = new Value(values.size(), name, shape, Value.Kind.NATIVE_F32, desc, null);
        values.add(v);
        return v;
    }

    Value newView(String name, long[] shape, memory.desc desc, Value of) {
        Value v = new Value(values.size(), name, shape, Value.Kind.NATIVE_F32, desc, of.root);
        values.add(v);
        return v;
    }

    Value newHost(String name, long[] shape, Value.Kind kind) {
        Value v = new Value(values.size(), name, shape, kind, null, null);
        values.add(v);
        return v;
    }

    long[] shapeOf(Node n) {
        return shapes.get(new TensorRef(n.name(), 0));
    }

    void bind(Node n, Value v) {
        bound.put(new TensorRef(n.name(), 0), v);
    }

    /** The value bound to a node's output 0, or null. */
    Value boundTo(String node) {
        return bound.get(new TensorRef(node, 0));
    }

    Value in(Node n, int i) {
        Value v = bound.get(n.input(i));
        if (v == null) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + ") reads '" + n.input(i)
                    + "', which the engine has not computed (a constant where a computed tensor is expected?)");
        }
        return v;
    }

    /** A float input that oneDNN can read: neither a host integer result nor quantized codes. */
    Value nativeIn(Node n, int i) {
        Value v = in(n, i);
        if (!v.isNative()) {
            throw bad(n, "input " + i + " ('" + n.input(i) + "') is an integer result computed on the host; "
                    + "the engine only feeds float tensors to oneDNN");
        }
        if (v.isQuantized()) {
            throw bad(n, "input " + i + " ('" + n.input(i) + "') is a quantized tensor; an FP32 op needs a Dequantize before it");
        }
        return v;
    }

    static QtuneException bad(Node n, String why) {
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): " + why);
    }

    // ---------------------------------------------------------------- layouts

    /** oneDNN logical dims of a TensorFlow shape: NHWC activations become {N,C,H,W}, other ranks stay. */
    static long[] dims(long[] shape) {
        if (shape.length == 4) return new long[] {shape[0], shape[3], shape[1], shape[2]};
        if (shape.length == 0) return new long[] {1};
        return shape.clone();
    }

    /** The row-major layout TensorFlow uses for a shape (NHWC for rank 4). */
    memory.desc plainDesc(long[] shape) {
        memory.format_tag tag = switch (Math.max(shape.length, 1)) {
            case 1 -> memory.format_tag.a;
            case 2 -> memory.format_tag.ab;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.nhwc;
            case 5 -> memory.format_tag.abcde;
            case 6 -> memory.format_tag.abcdef;
            default -> throw new QtuneException("tensors of rank " + shape.length + " are not supported");
        };
        return scope.own(new memory.desc(dims(shape), memory.data_type.f32, tag));
    }

    /** An f32 descriptor that lets the primitive choose the layout. */
    memory.desc anyDesc(long... dims) {
        return temp.own(new memory.desc(dims, memory.data_type.f32, memory.format_tag.any));
    }

    memory.desc tagDesc(long[] dims, memory.format_tag tag) {
        return temp.own(new memory.desc(dims, memory.data_type.f32, tag));
    }

    Value toPlain(String node, Value v) {
        if (v.plain != null) return v.plain;
        memory.desc plain = plainDesc(v.shape);
        v.plain = plain.equals(v.desc) ? v : reorderTo(node, v, plain);
        return v.plain;
    }

    Value reorderTo(String node, Value v, memory.desc want) {
        Value out = newRoot(v.name + "/reordered", v.shape, want);
        emitReorder(node, "reorder", v, out);
        return out;
    }

    void emitReorder(String node, String kind, Value from, Value to) {
        reorder.primitive_desc pd = temp.own(new reorder.primitive_desc(eng, from.desc, eng, to.desc, userScratchpad(), false));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_FROM, from).write(DNNL_ARG_TO, to);
        emit(node, kind, pd, scope.own(new reorder(pd)), a);
    }

    // ---------------------------------------------------------------- steps

    primitive_attr userScratchpad() {
        primitive_attr attr = temp.own(new primitive_attr());
        // per-workspace scratchpads: a library-owned one would be shared by concurrent runs of one primitive
        attr.set_scratchpad_mode(scratchpad_mode.user);
        return attr;
    }

    void emit(String node, String kind, primitive_desc_base pd, primitive prim, PrimitiveStep.Args a) {
        memory.desc sp = scope.own(pd.scratchpad_desc());
        String impl = pd.impl_info_str().getString();
        steps.add(new PrimitiveStep(node, kind, prim, impl, a.idArray(), a.sources.toArray(),
                sp.get_size() > 0 ? sp : null, a.reads, a.writes));
    }

    /** A step that runs in Java on host-visible values (ArgMax, Cast). */
    void emitHost(Step s) {
        steps.add(s);
    }
}
