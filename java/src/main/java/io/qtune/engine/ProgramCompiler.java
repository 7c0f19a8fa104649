package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.ConvGeometry;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;

/**
 * Compiles a fused FP32 graph for one batch size into a {@link Program}: one oneDNN primitive per fused node
 * (activations in the layouts the primitives choose, reorders only where two disagree), constants laid out
 * once through the {@link ConstantCache}, and activation buffers planned by liveness so a run reuses a small
 * set of warm buffers.
 */
final class ProgramCompiler {
    /** Ops the engine compiles; anything else is rejected up front with the node's name. */
    static final Set<String> SUPPORTED = Set.of(Ops.PLACEHOLDER, Ops.CONST, Ops.IDENTITY, Ops.CONV2D, Ops.FUSED_CONV2D,
            Ops.BIAS_ADD, Ops.ADD, Ops.ADD_V2, Ops.RELU, Ops.RELU6, Ops.MAX_POOL, Ops.AVG_POOL, Ops.MEAN, Ops.SQUEEZE,
            Ops.RESHAPE, Ops.MAT_MUL, Ops.SOFTMAX, Ops.ARG_MAX, Ops.CAST,
            // Intel-format INT8 ops, lowered by Int8Lowering
            Ops.QUANTIZE_V2, Ops.DEQUANTIZE, Ops.QUANTIZED_MAX_POOL, Ops.QCONV_BIAS_REQUANTIZE, Ops.QCONV_BIAS_RELU_REQUANTIZE,
            Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE, Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);

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
    private final List<Value> values = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    final Map<String, Integer> position = new HashMap<>();
    final Map<String, Integer> lastRead = new HashMap<>();
    private final Set<String> fusedAway = new HashSet<>();
    final Set<Value> hostVisible = new java.util.LinkedHashSet<>();
    private Value input;
    private final List<String> extraOutputs;
    private final Int8Lowering int8;
    /** One line per op the program runs differently from what the graph asked (a bf16 conv run in FP32). */
    private final List<String> notes = new ArrayList<>();

    private ProgramCompiler(Graph g, int batch, engine eng, ConstantCache constants, List<String> extraOutputs) {
        this.extraOutputs = List.copyOf(extraOutputs);
        this.g = g;
        this.batch = batch;
        this.eng = eng;
        this.constants = constants;
        for (Node n : g.nodes()) {
            if (!SUPPORTED.contains(n.op())) throw unsupported(n);
        }
        this.shapes = ShapeInference.infer(g, batch);
        List<Node> nodes = g.nodes();
        for (int i = 0; i < nodes.size(); i++) position.put(nodes.get(i).name(), i);
        for (Node n : nodes) {
            // only output 0 holds a buffer; outputs 1 and 2 of quantized ops are frozen min/max scalars
            for (TensorRef in : n.inputs()) if (in.output() == 0) lastRead.merge(bufferOwner(in.node()), position.get(n.name()), Math::max);
        }
        for (Node s : g.sinks()) lastRead.put(bufferOwner(s.name()), Integer.MAX_VALUE);
        for (String o : this.extraOutputs) {
            if (!g.contains(o)) throw new QtuneException("no node '" + o + "' to return as an output");
            lastRead.put(bufferOwner(o), Integer.MAX_VALUE);
        }
        this.int8 = new Int8Lowering(this);
    }

    static QtuneException unsupported(Node n) {
        String hint = Ops.isBatchNorm(n.op()) || n.op().equals(Ops.PAD)
                ? "; fuse the graph first (io.qtune.graph.passes.Passes.fuseForInference)" : "";
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): the oneDNN engine does not support this op" + hint);
    }

    static Program compile(Graph g, int batch, engine eng, ConstantCache constants) {
        return compile(g, batch, eng, constants, List.of());
    }

    /** As above; {@code extraOutputs} names inner nodes whose output 0 is returned too. */
    static Program compile(Graph g, int batch, engine eng, ConstantCache constants, List<String> extraOutputs) {
        ProgramCompiler c = new ProgramCompiler(g, batch, eng, constants, extraOutputs);
        try {
            return c.build();
        } catch (RuntimeException e) {
            c.scope.close();
            throw e;
        } finally {
            c.temp.close();
        }
    }

    /** The node whose buffer a node's output lives in, looking through views. */
    String bufferOwner(String name) {
        Node n = g.node(name);
        while (VIEWS.contains(n.op())) n = g.producer(n.input(0));
        return n.name();
    }

    private Program build() {
        List<Node> placeholders = g.placeholders();
        if (placeholders.size() != 1) {
            throw new QtuneException("the engine runs graphs with exactly one input placeholder, this one has "
                    + placeholders.size() + " " + placeholders.stream().map(Node::name).toList());
        }
        for (Node n : g.nodes()) {
            if (fusedAway.contains(n.name())) continue;
            try {
                visit(n);
            } catch (QtuneException e) {
                throw e;
            } catch (RuntimeException e) {
                // oneDNN reports a failed primitive creation as a RuntimeException carrying dnnl::error's text
                throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): oneDNN cannot compile it for batch "
                        + batch + " (" + e.getMessage() + ")", e);
            }
        }
        List<String> outputNames = new ArrayList<>();
        List<Value> outputs = new ArrayList<>();
        List<String> names = new ArrayList<>(g.sinks().stream().map(Node::name).toList());
        for (String o : extraOutputs) if (!names.contains(o)) names.add(o);
        for (String name : names) {
            Node s = g.node(name);
            Value v = bound.get(new TensorRef(s.name(), 0));
            if (v == null) throw new QtuneException("node '" + name + "' (" + s.op() + ") has no computed output to return");
            if (v.isNative()) {
                v = toPlain(s.name(), v);
                hostVisible.add(v);
            }
            outputNames.add(s.name());
            outputs.add(v);
        }
        hostVisible.add(input);
        long[] slotBytes = planSlots(outputs);
        long scratch = 0;
        for (Step s : steps) {
            if (s instanceof PrimitiveStep p && p.scratchpad != null) scratch = Math.max(scratch, p.scratchpad.get_size());
        }
        return new Program(batch, steps, values, slotBytes, scratch, input, outputNames, outputs,
                new ArrayList<>(hostVisible), scope, eng, notes);
    }

    // ---------------------------------------------------------------- values and layouts

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

    private Value newHost(String name, long[] shape, Value.Kind kind) {
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

    Value in(Node n, int i) {
        Value v = bound.get(n.input(i));
        if (v == null) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + ") reads '" + n.input(i)
                    + "', which the engine has not computed (a constant where a computed tensor is expected?)");
        }
        return v;
    }

    private Value nativeIn(Node n, int i) {
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

    private memory.desc anyDesc(long... dims) {
        return temp.own(new memory.desc(dims, memory.data_type.f32, memory.format_tag.any));
    }

    private memory.desc tagDesc(long[] dims, memory.format_tag tag) {
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

    // ---------------------------------------------------------------- ops

    private void visit(Node n) {
        switch (n.op()) {
            case Ops.CONST -> { }
            case Ops.PLACEHOLDER -> placeholder(n);
            case Ops.IDENTITY -> bind(n, in(n, 0));
            case Ops.SQUEEZE, Ops.RESHAPE -> view(n);
            case Ops.CONV2D, Ops.FUSED_CONV2D -> conv(n);
            case Ops.BIAS_ADD -> biasAdd(n);
            case Ops.ADD, Ops.ADD_V2 -> add(n);
            case Ops.RELU, Ops.RELU6 -> relu(n);
            case Ops.MAX_POOL, Ops.AVG_POOL -> pool(n);
            case Ops.MEAN -> mean(n);
            case Ops.MAT_MUL -> matMul(n);
            case Ops.SOFTMAX -> softmax(n);
            case Ops.ARG_MAX -> argMax(n);
            case Ops.CAST -> cast(n);
            default -> {
                if (Ops.INT8.contains(n.op())) int8.visit(n);
                else throw unsupported(n);
            }
        }
    }

    private void placeholder(Node n) {
        DType t = n.attrType("dtype", DType.FLOAT);
        if (t != DType.FLOAT) throw bad(n, "input type " + t + " is not supported, the engine takes float input");
        long[] s = shapeOf(n);
        if (s.length == 0 || s[0] != batch) {
            throw new QtuneException("input '" + n.name() + "' has the fixed shape " + Arrays.toString(s)
                    + ", so it cannot run with batch " + batch);
        }
        input = newRoot(n.name(), s, plainDesc(s));
        bind(n, input);
    }

    private void view(Node n) {
        Value x = in(n, 0);
        if (!x.isNative()) throw bad(n, "reshaping a host (integer) result is not supported");
        if (x.isQuantized()) throw bad(n, "reshaping a quantized tensor is not supported; Dequantize it first");
        Value p = toPlain(n.name(), x);
        long[] s = shapeOf(n);
        bind(n, newView(n.name(), s, plainDesc(s), p));
    }

    private void conv(Node n) {
        Value x = nativeIn(n, 0);
        Tensor w = g.requireConstant(n, 1);
        if (!w.isFloat() || w.rank() != 4) throw bad(n, "filter must be a float HWIO tensor, got " + w);
        long kh = w.dim(0), kw = w.dim(1), ic = w.dim(2), oc = w.dim(3);
        long[] xs = x.shape;
        ConvGeometry geo = ConvGeometry.of(n, xs, kh, kw);
        long[] ys = shapeOf(n);

        boolean fused = n.op().equals(Ops.FUSED_CONV2D);
        List<String> fusedOps = fused ? n.attrStrings("fused_ops") : List.of();
        boolean hasBias = false, sum = false;
        String activation = null;
        if (fused) {
            List<String> f = fusedOps;
            if (f.isEmpty() || !f.get(0).equals(Ops.BIAS_ADD)) throw badFusion(n, f);
            hasBias = true;
            int i = 1;
            if (i < f.size() && Ops.isAdd(f.get(i))) {
                sum = true;
                i++;
            }
            if (i < f.size() && (f.get(i).equals(Ops.RELU) || (!sum && f.get(i).equals(Ops.RELU6)))) activation = f.get(i++);
            if (i != f.size()) throw badFusion(n, f);
        }
        int expectInputs = fused ? (sum ? 4 : 3) : 2;
        if (n.inputs().size() != expectInputs) {
            throw bad(n, "fused_ops " + fusedOps + " needs " + expectInputs + " inputs, found " + n.inputs().size());
        }
        float[] bias = null;
        if (hasBias) {
            Tensor b = g.requireConstant(n, 2);
            if (!b.isFloat() || b.rank() != 1 || b.dim(0) != oc) {
                throw bad(n, "bias must be float [" + oc + "], got " + b);
            }
            bias = b.floats();
        }

        primitive_attr attr = userScratchpad();
        post_ops po = temp.own(new post_ops());
        if (sum) po.append_sum(1.0f, 0, memory.data_type.undef);
        if (Ops.RELU.equals(activation)) po.append_eltwise(algorithm.eltwise_relu, 0f, 0f);
        if (Ops.RELU6.equals(activation)) po.append_eltwise(algorithm.eltwise_clip, 0f, 6f);
        attr.set_post_ops(po);

        long[] srcDims = dims(xs), wDims = {oc, ic, kh, kw}, dstDims = dims(ys);
        long[] strides = {geo.strideH(), geo.strideW()};
        long[] padL = {geo.padTop(), geo.padLeft()}, padR = {geo.padBottom(), geo.padRight()};
        memory.desc biasDesc = hasBias ? tagDesc(new long[] {oc}, memory.format_tag.a) : null;
        convolution_forward.primitive_desc pd = bf16Conv(n) ? bf16Desc(n, srcDims, wDims, biasDesc, dstDims, strides, padL, padR, attr) : null;
        boolean bf16 = pd != null;
        if (bf16) {
            // src and weights in bf16, f32 bias and dst: the post-ops, the summand and every reader stay f32
            x = reorderTo(n.name(), x, scope.own(pd.src_desc()));
        } else if (!temp.own((pd = convDesc(anyDesc(srcDims), anyDesc(wDims), biasDesc, anyDesc(dstDims),
                strides, padL, padR, attr)).src_desc()).equals(x.desc)) {
            // keep the producer's layout when the same kernel accepts it: a reorder costs more than it saves
            convolution_forward.primitive_desc fixed = convDesc(x.desc, anyDesc(wDims), biasDesc, anyDesc(dstDims),
                    strides, padL, padR, attr);
            if (fixed.impl_info_str().getString().equals(pd.impl_info_str().getString())) pd = fixed;
            else x = reorderTo(n.name(), x, scope.own(pd.src_desc()));
        }
        memory.desc dst = scope.own(pd.dst_desc());

        Value out;
        if (sum) {
            Value s = nativeIn(n, 3);
            boolean dead = lastRead.get(bufferOwner(n.input(3).node())) <= position.get(n.name());
            if (dead && s.desc.equals(dst) && s.root != x.root) {
                out = newView(n.name(), ys, dst, s); // the sum post-op reads and overwrites the summand in place
            } else {
                out = newRoot(n.name(), ys, dst);
                emitReorder(n.name(), "summand copy", s, out);
            }
        } else {
            out = newRoot(n.name(), ys, dst);
        }

        memory weights = constants.get(n.name() + "/filter", w.floats(), tagDesc(wDims, memory.format_tag.hwio),
                temp.own(pd.weights_desc()));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).shared(DNNL_ARG_WEIGHTS, weights);
        if (hasBias) {
            a.shared(DNNL_ARG_BIAS, constants.get(n.name() + "/bias", bias, biasDesc, temp.own(pd.bias_desc())));
        }
        if (sum) a.readWrite(DNNL_ARG_DST, out);
        else a.write(DNNL_ARG_DST, out);
        emit(n.name(), bf16 ? "bf16 convolution" : "convolution", pd, scope.own(new convolution_forward(pd)), a);
        bind(n, out);
    }

    /** Whether the graph marks this convolution bf16 (the exporter's {@link Ops#PRECISION_ATTR}). */
    private static boolean bf16Conv(Node n) {
        if (!n.hasAttr(Ops.PRECISION_ATTR)) return false;
        String p = n.attrString(Ops.PRECISION_ATTR);
        if (p.equals(Ops.BF16)) return true;
        if (p.equals("fp32")) return false;
        throw bad(n, Ops.PRECISION_ATTR + " is '" + p + "', expected 'bf16' or 'fp32'");
    }

    /** Whether oneDNN may use the CPU's native bf16 dot products (avx512_bf16, AMX), as capped by ONEDNN_MAX_CPU_ISA. */
    static boolean cpuHasBf16() {
        int isa = dnnl_get_effective_cpu_isa();
        return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
    }

    /**
     * A bf16 convolution descriptor, or null (with a note) when the CPU lacks bf16 or oneDNN offers only its
     * reference kernel: emulated bf16 would be slower than FP32 and no more exact.
     */
    private convolution_forward.primitive_desc bf16Desc(Node n, long[] srcDims, long[] wDims, memory.desc biasDesc,
                                                        long[] dstDims, long[] strides, long[] padL, long[] padR,
                                                        primitive_attr attr) {
        if (!cpuHasBf16()) {
            notes.add("node '" + n.name() + "' runs in FP32, not bf16: the CPU has no avx512_bf16/AMX");
            return null;
        }
        convolution_forward.primitive_desc pd = convDesc(
                temp.own(new memory.desc(srcDims, memory.data_type.bf16, memory.format_tag.any)),
                temp.own(new memory.desc(wDims, memory.data_type.bf16, memory.format_tag.any)),
                biasDesc, anyDesc(dstDims), strides, padL, padR, attr);
        String impl = pd.impl_info_str().getString();
        if (impl.startsWith("ref")) {
            notes.add("node '" + n.name() + "' runs in FP32, not bf16: oneDNN has only " + impl + " for it");
            return null;
        }
        return pd;
    }

    private static QtuneException badFusion(Node n, List<String> f) {
        return bad(n, "fused_ops " + f + " is not one of [BiasAdd], [BiasAdd, Relu], [BiasAdd, Relu6], "
                + "[BiasAdd, Add], [BiasAdd, Add, Relu]");
    }

    private convolution_forward.primitive_desc convDesc(memory.desc src, memory.desc w, memory.desc bias, memory.desc dst,
                                                        long[] strides, long[] padL, long[] padR, primitive_attr attr) {
        if (bias == null) {
            return temp.own(new convolution_forward.primitive_desc(eng, prop_kind.forward_inference,
                    algorithm.convolution_direct, src, w, dst, strides, padL, padR, attr, false));
        }
        return temp.own(new convolution_forward.primitive_desc(eng, prop_kind.forward_inference,
                algorithm.convolution_direct, src, w, bias, dst, strides, padL, padR, attr, false));
    }

    private void biasAdd(Node n) {
        if (!n.attrString("data_format", "NHWC").equals("NHWC")) throw bad(n, "only NHWC data_format is supported");
        Value x = nativeIn(n, 0);
        Tensor b = g.requireConstant(n, 1);
        long c = x.shape[x.shape.length - 1];
        if (!b.isFloat() || b.rank() != 1 || b.dim(0) != c) throw bad(n, "bias must be float [" + c + "], got " + b);
        long[] bDims = new long[Math.max(x.shape.length, 1)];
        Arrays.fill(bDims, 1);
        bDims[x.shape.length == 4 ? 1 : bDims.length - 1] = c; // the channel axis in oneDNN's order
        memory.desc bSrc = tagDesc(bDims, plainTag(bDims.length));
        memory bias = constants.get(n.name() + "/bias", b.floats(), bSrc, bSrc);
        binary.primitive_desc pd = temp.own(new binary.primitive_desc(eng, algorithm.binary_add, x.desc, bSrc, x.desc,
                userScratchpad(), false));
        Value out = newRoot(n.name(), shapeOf(n), x.desc);
        emit(n.name(), "bias add", pd, scope.own(new binary(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC_0, x).shared(DNNL_ARG_SRC_1, bias).write(DNNL_ARG_DST, out));
        bind(n, out);
    }

    private static memory.format_tag plainTag(int rank) {
        return switch (rank) {
            case 1 -> memory.format_tag.a;
            case 2 -> memory.format_tag.ab;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.abcd;
            default -> memory.format_tag.abcde;
        };
    }

    private void add(Node n) {
        Value a = nativeIn(n, 0), b = nativeIn(n, 1);
        if (!Arrays.equals(a.shape, b.shape)) {
            throw bad(n, "broadcasting " + Arrays.toString(a.shape) + " + " + Arrays.toString(b.shape)
                    + " is not supported; both operands must have the same shape");
        }
        if (!b.desc.equals(a.desc)) b = reorderTo(n.name(), b, a.desc);
        binary.primitive_desc pd = temp.own(new binary.primitive_desc(eng, algorithm.binary_add, a.desc, b.desc, a.desc,
                userScratchpad(), false));
        Value out = newRoot(n.name(), shapeOf(n), a.desc);
        emit(n.name(), "add", pd, scope.own(new binary(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC_0, a).read(DNNL_ARG_SRC_1, b).write(DNNL_ARG_DST, out));
        bind(n, out);
    }

    private void relu(Node n) {
        Value x = nativeIn(n, 0);
        boolean six = n.op().equals(Ops.RELU6);
        eltwise_forward.primitive_desc pd = temp.own(new eltwise_forward.primitive_desc(eng, prop_kind.forward_inference,
                six ? algorithm.eltwise_clip : algorithm.eltwise_relu, x.desc, x.desc, 0f, six ? 6f : 0f,
                userScratchpad(), false));
        Value out = newRoot(n.name(), shapeOf(n), x.desc);
        emit(n.name(), six ? "relu6" : "relu", pd, scope.own(new eltwise_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        bind(n, out);
    }

    private void pool(Node n) {
        Value x = nativeIn(n, 0);
        long[] k = n.attrLongs("ksize");
        if (k.length != 4) throw bad(n, "ksize must have 4 values, got " + Arrays.toString(k));
        ConvGeometry geo = ConvGeometry.of(n, x.shape, k[1], k[2]);
        boolean max = n.op().equals(Ops.MAX_POOL);
        // TF's AvgPool divides by the number of valid (unpadded) elements
        algorithm alg = max ? algorithm.pooling_max : algorithm.pooling_avg_exclude_padding;
        long[] ys = shapeOf(n);
        pooling_forward.primitive_desc pd = temp.own(new pooling_forward.primitive_desc(eng, prop_kind.forward_inference,
                alg, x.desc, anyDesc(dims(ys)), new long[] {geo.strideH(), geo.strideW()}, new long[] {k[1], k[2]},
                new long[] {0, 0}, new long[] {geo.padTop(), geo.padLeft()}, new long[] {geo.padBottom(), geo.padRight()},
                userScratchpad(), false));
        Value out = newRoot(n.name(), ys, scope.own(pd.dst_desc()));
        emit(n.name(), max ? "max pool" : "avg pool", pd, scope.own(new pooling_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        bind(n, out);
    }

    private void mean(Node n) {
        Value x = nativeIn(n, 0);
        long[] axes = g.requireConstant(n, 1).longs();
        Set<Long> ax = new HashSet<>();
        for (long a : axes) ax.add(a < 0 ? a + x.shape.length : a);
        if (x.shape.length != 4 || !ax.equals(Set.of(1L, 2L))) {
            throw bad(n, "only the mean over H and W of an NHWC tensor is supported, got axes " + Arrays.toString(axes)
                    + " of " + Arrays.toString(x.shape));
        }
        long[] pooled = {x.shape[0], 1, 1, x.shape[3]};
        memory.desc dst = plainDesc(pooled); // plain, so the squeeze that follows is free
        pooling_forward.primitive_desc pd = temp.own(new pooling_forward.primitive_desc(eng, prop_kind.forward_inference,
                algorithm.pooling_avg_exclude_padding, x.desc, dst, new long[] {1, 1}, new long[] {x.shape[1], x.shape[2]},
                new long[] {0, 0}, new long[] {0, 0}, new long[] {0, 0}, userScratchpad(), false));
        Value out = newRoot(n.name(), pooled, dst);
        emit(n.name(), "mean", pd, scope.own(new pooling_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        long[] ys = shapeOf(n);
        bind(n, Arrays.equals(ys, pooled) ? out : newView(n.name(), ys, plainDesc(ys), out));
    }

    /** MatMul with a constant right operand, and the BiasAdd (and Relu) after it, as one inner product. */
    private void matMul(Node n) {
        if (n.attrBool("transpose_a", false)) throw bad(n, "transpose_a is not supported");
        Value a = toPlain(n.name(), nativeIn(n, 0));
        Tensor w = g.requireConstant(n, 1);
        if (!w.isFloat() || w.rank() != 2) throw bad(n, "the constant operand must be a float matrix, got " + w);
        boolean tb = n.attrBool("transpose_b", false);
        long m = a.shape[0], k = a.shape[1], o = tb ? w.dim(0) : w.dim(1);
        if ((tb ? w.dim(1) : w.dim(0)) != k) throw bad(n, "inner dimensions differ: " + Arrays.toString(a.shape) + " x " + w);

        Node last = n;
        float[] bias = null;
        boolean relu = false;
        Node biasNode = soleConsumer(n);
        if (biasNode != null && biasNode.op().equals(Ops.BIAS_ADD) && biasNode.input(0).equals(new TensorRef(n.name(), 0))) {
            Tensor b = g.constant(biasNode.input(1));
            if (b != null && b.isFloat() && b.rank() == 1 && b.dim(0) == o) {
                bias = b.floats();
                fusedAway.add(biasNode.name());
                last = biasNode;
                Node r = soleConsumer(biasNode);
                if (r != null && r.op().equals(Ops.RELU)) {
                    relu = true;
                    fusedAway.add(r.name());
                    last = r;
                }
            }
        }
        primitive_attr attr = userScratchpad();
        if (relu) {
            post_ops po = temp.own(new post_ops());
            po.append_eltwise(algorithm.eltwise_relu, 0f, 0f);
            attr.set_post_ops(po);
        }
        long[] wDims = {o, k};
        memory.desc biasDesc = bias != null ? tagDesc(new long[] {o}, memory.format_tag.a) : null;
        inner_product_forward.primitive_desc pd = bias != null
                ? temp.own(new inner_product_forward.primitive_desc(eng, prop_kind.forward_inference, a.desc,
                        anyDesc(wDims), biasDesc, anyDesc(m, o), attr, false))
                : temp.own(new inner_product_forward.primitive_desc(eng, prop_kind.forward_inference, a.desc,
                        anyDesc(wDims), anyDesc(m, o), attr, false));
        if (!temp.own(pd.src_desc()).equals(a.desc)) a = reorderTo(n.name(), a, scope.own(pd.src_desc()));
        // TF keeps [K, O] row-major (or [O, K] with transpose_b): tag ba / ab over oneDNN's {O, K}
        memory weights = constants.get(n.name() + "/weights", w.floats(),
                tagDesc(wDims, tb ? memory.format_tag.ab : memory.format_tag.ba), temp.own(pd.weights_desc()));
        Value out = newRoot(last.name(), new long[] {m, o}, scope.own(pd.dst_desc()));
        PrimitiveStep.Args args = new PrimitiveStep.Args().read(DNNL_ARG_SRC, a).shared(DNNL_ARG_WEIGHTS, weights);
        if (bias != null) args.shared(DNNL_ARG_BIAS, constants.get(n.name() + "/bias", bias, biasDesc, temp.own(pd.bias_desc())));
        args.write(DNNL_ARG_DST, out);
        emit(n.name(), "inner product", pd, scope.own(new inner_product_forward(pd)), args);
        bind(last, out);
    }

    /** The only reader of a node's output, or null if there are several or it is a graph output. */
    private Node soleConsumer(Node n) {
        List<Node> c = g.consumers(n.name());
        return c.size() == 1 ? c.get(0) : null;
    }

    private void softmax(Node n) {
        Value x = toPlain(n.name(), nativeIn(n, 0));
        int axis = x.shape.length == 4 ? 1 : Math.max(x.shape.length - 1, 0); // TF's last axis, in oneDNN's order
        softmax_forward.primitive_desc pd = temp.own(new softmax_forward.primitive_desc(eng, prop_kind.forward_inference,
                algorithm.softmax_accurate, x.desc, x.desc, axis, userScratchpad(), false));
        Value out = newRoot(n.name(), shapeOf(n), x.desc);
        emit(n.name(), "softmax", pd, scope.own(new softmax_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        bind(n, out);
    }

    private void argMax(Node n) {
        Value x = toPlain(n.name(), nativeIn(n, 0));
        long[] axis = g.requireConstant(n, 1).longs();
        int rank = x.shape.length;
        if (axis.length != 1 || rank == 0 || (axis[0] < 0 ? axis[0] + rank : axis[0]) != rank - 1) {
            throw bad(n, "only ArgMax over the last axis is supported, got axis " + Arrays.toString(axis)
                    + " of " + Arrays.toString(x.shape));
        }
        DType t = n.attrType("output_type", DType.INT64);
        if (t != DType.INT64 && t != DType.INT32) throw bad(n, "output_type " + t + " is not supported");
        Value out = newHost(n.name(), shapeOf(n), Value.Kind.HOST_I64);
        hostVisible.add(x);
        steps.add(new ArgMaxStep(n.name(), x, out));
        bind(n, out);
    }

    private void cast(Node n) {
        Value x = in(n, 0);
        DType to = n.attrType("DstT");
        boolean toFloat = to == DType.FLOAT;
        boolean toInt = to == DType.INT64 || to == DType.INT32;
        if (!toFloat && !toInt) throw bad(n, "cast to " + to + " is not supported");
        if ((x.isNative() || x.kind == Value.Kind.HOST_F32) && toFloat || x.kind == Value.Kind.HOST_I64 && toInt) {
            bind(n, x);
            return;
        }
        if (x.isNative()) throw bad(n, "casting a float tensor to " + to + " is not supported");
        Value out = newHost(n.name(), shapeOf(n), toFloat ? Value.Kind.HOST_F32 : Value.Kind.HOST_I64);
        steps.add(new CastStep(n.name(), x, out));
        bind(n, out);
    }

    // ---------------------------------------------------------------- buffers

    /**
     * Gives every native root a buffer slot, reusing the slot of a root no later step reads. Slots never
     * shrink; a step's outputs never share a slot with its inputs unless the step was built in place.
     */
    private long[] planSlots(List<Value> outputs) {
        Map<Value, Integer> first = new IdentityHashMap<>(), last = new IdentityHashMap<>();
        Map<Value, Long> bytes = new IdentityHashMap<>();
        for (Value v : values) {
            if (v.isNative()) bytes.merge(v.root, v.bytes(), Math::max);
        }
        first.put(input.root, -1);
        last.put(input.root, -1);
        for (int i = 0; i < steps.size(); i++) {
            for (Value v : steps.get(i).writes) {
                if (!v.isNative()) continue;
                first.putIfAbsent(v.root, i);
                last.merge(v.root, i, Math::max);
            }
            for (Value v : steps.get(i).reads) {
                if (v.isNative()) last.merge(v.root, i, Math::max);
            }
        }
        for (Value v : outputs) {
            if (v.isNative()) last.put(v.root, Integer.MAX_VALUE);
        }
        TreeMap<Integer, List<Value>> defs = new TreeMap<>(), frees = new TreeMap<>();
        for (Map.Entry<Value, Integer> e : first.entrySet()) defs.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        for (Map.Entry<Value, Integer> e : last.entrySet()) frees.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        List<Long> sizes = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        for (int i = -1; i < steps.size(); i++) {
            List<Value> born = new ArrayList<>(defs.getOrDefault(i, List.of()));
            born.sort((p, q) -> Integer.compare(p.id, q.id));
            for (Value r : born) {
                long need = bytes.get(r);
                int best = -1;
                for (int s : free) {
                    if (sizes.get(s) >= need && (best < 0 || sizes.get(s) < sizes.get(best))) best = s;
                }
                if (best < 0) {
                    for (int s : free) if (best < 0 || sizes.get(s) > sizes.get(best)) best = s;
                }
                if (best < 0) {
                    best = sizes.size();
                    sizes.add(need);
                } else {
                    free.remove(Integer.valueOf(best));
                    sizes.set(best, Math.max(sizes.get(best), need));
                }
                r.slot = best;
            }
            for (Value r : frees.getOrDefault(i, List.of())) {
                if (r.slot >= 0) free.add(r.slot);
            }
        }
        for (Value v : values) {
            if (v.isNative() && v.root.slot < 0) throw new IllegalStateException("no buffer planned for " + v);
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }

    /** Names of the ops the engine compiles, for messages. */
    static String supportedOps() {
        return new java.util.TreeSet<>(SUPPORTED).toString();
    }
}
