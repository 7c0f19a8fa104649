package io.qtune.export;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.FusedOps;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.CastArgMaxToFloat;
import io.qtune.graph.passes.ConvertToBf16;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import io.qtune.semantics.Int8Semantics;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the INT8 TensorFlow GraphDef of a fused FP32 IR in Intel's MLPerf v0.7 format: QuantizeV2 into the first
 * INT8 convolution, the QuantizedConv2DWithBias...AndRequantize family with qint8 filters, QuantizedMaxPool, and
 * Dequantize before FP32 ops; convolutions the decisions keep FP32 become Conv2D/BiasAdd/AddV2/Relu. Scales follow
 * what stock TF computes (docs/int8-semantics.md), including two corrections for its kernels' quirks: consumers of
 * a qint8 QuantizeV2 get a range of 127/127.5 of its own, and a signed-sum convolution declares twice its range.
 * Immutable; the same inputs always give the same bytes.
 */
public final class Int8GraphWriter {
    /** What the graph's ArgMax output becomes. */
    public enum ArgMaxOutput {
        /** Float ArgMax:0 that stock TF loads: the int64 ArgMax is renamed ArgMax/int64 and a Cast named ArgMax follows. */
        CAST,
        /** NVIDIA's edit, exactly: ArgMax.output_type = DT_FLOAT and nothing else. Stock TF cannot load the graph. */
        ATTR_EDIT,
        /** ArgMax left as in the FP32 graph (int64). */
        INT64
    }

    /** The written graph, the convolutions that stayed FP32 although asked to be INT8 (and why), and warnings. */
    public record Result(Graph graph, List<String> notes, List<String> warnings) {}

    public static final String ATTR_EDIT_WARNING = "ArgMax.output_type is DT_FLOAT (NVIDIA's edit): stock TensorFlow "
            + "rejects this graph (ArgMax allows only integer output types); use the default Cast output to run it in TF";

    /** Name of the quantized convolution made from a fused FP32 convolution: its name plus this (Intel's naming). */
    public static final String QUANTIZED_CONV_SUFFIX = "_eightbit_quantized_conv";
    /** Name of the QuantizedMaxPool made from a fused max pool: its name plus this. */
    public static final String QUANTIZED_POOL_SUFFIX = "_eightbit_quantized";
    /** Name of a QuantizeV2: the float tensor's name, this, then "qint8" or "quint8". */
    public static final String QUANTIZE_INFIX = "_eightbit_quantize_";

    private static final float ZERO_RANGE_SUBSTITUTE = Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE;

    private final ArgMaxOutput argMaxOutput;

    public Int8GraphWriter() {
        this(ArgMaxOutput.CAST);
    }

    public Int8GraphWriter(ArgMaxOutput argMaxOutput) {
        this.argMaxOutput = argMaxOutput;
    }

    /**
     * The INT8 graph of a fused FP32 graph. Convolutions the decisions put in BF16 are written as DT_BFLOAT16 TF ops
     * (Conv2D, BiasAdd, AddV2, Relu, weights stored as bfloat16) between Casts, so stock TF runs them in bf16 as the
     * oneDNN engine does.
     */
    public Result convert(Graph fused, QuantDecisions decisions) {
        Result r = new Emission(fused, decisions).run();
        boolean anyBf16 = r.graph().nodes().stream().anyMatch(n -> Ops.BF16.equals(n.attrs().get(Ops.PRECISION_ATTR)));
        return anyBf16 ? new Result(ConvertToBf16.marked().apply(r.graph()), r.notes(), r.warnings()) : r;
    }

    /** Converts and writes atomically (temp file renamed into place). */
    public Result write(Graph fused, QuantDecisions decisions, Path file) {
        Result r = convert(fused, decisions);
        GraphDefCodec.write(r.graph(), file);
        return r;
    }

    /** A quantized tensor of the output graph: data, the tensors holding its min and max, its type and range. */
    private record QTensor(TensorRef data, TensorRef min, TensorRef max, DType type, float range) {}

    /** One conversion: walks the fused IR in order and emits output nodes, converting tensors lazily. */
    private final class Emission {
        private final Graph fused;
        private final QuantDecisions decisions;
        private final List<Node> out = new ArrayList<>();
        private final Set<String> names = new HashSet<>();
        private final Set<String> floatNodes = new HashSet<>();
        private final Map<TensorRef, TensorRef> dequantized = new HashMap<>();
        private final Map<TensorRef, QTensor> quantized = new HashMap<>();
        private final Map<String, QTensor> quantizeV2s = new HashMap<>();
        private final List<String> notes = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();

        Emission(Graph fused, QuantDecisions decisions) {
            this.fused = fused;
            this.decisions = decisions;
            for (Node n : fused.nodes()) names.add(n.name());
        }

        Result run() {
            for (Node n : fused.nodes()) {
                switch (n.op()) {
                    case Ops.FUSED_CONV2D -> {
                        if (!(decisions.int8(n.name()) && int8Conv(n))) fp32Conv(n);
                    }
                    case Ops.CONV2D -> {
                        if (!(decisions.int8(n.name()) && int8Conv(n))) fp32Copy(decisions.bf16(n.name()) ? markBf16(n) : n);
                    }
                    case Ops.MAX_POOL -> {
                        if (!(decisions.int8(n.name()) && quantizedMaxPool(n))) fp32Copy(n);
                    }
                    default -> {
                        if (!Ops.FP32.contains(n.op())) {
                            throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): not an op of the fused FP32 IR");
                        }
                        fp32Copy(n);
                    }
                }
            }
            List<String> sinks = fused.sinks().stream().map(Node::name).toList();
            for (String s : sinks) {
                TensorRef r = new TensorRef(s, 0);
                if (!asFloat(r, s).equals(r)) throw new IllegalStateException("output '" + s + "' lost its name");
            }
            rewriteArgMax(sinks);
            Graph g = new Graph(out).pruneTo(sinks);
            return new Result(argMaxOutput == ArgMaxOutput.CAST ? new CastArgMaxToFloat().apply(g) : g, List.copyOf(notes), List.copyOf(warnings));
        }

        // ---- names and plain nodes ----

        private String unique(String base) {
            String s = base;
            for (int i = 1; names.contains(s); i++) s = base + "_" + i;
            names.add(s);
            return s;
        }

        private TensorRef emit(String name, String op, List<TensorRef> inputs, Map<String, Object> attrs) {
            out.add(new Node(name, op, inputs, attrs));
            return new TensorRef(name, 0);
        }

        private TensorRef constant(String base, Tensor t) {
            return emit(unique(base), Ops.CONST, List.of(), Map.of("dtype", t.dtype(), "value", t));
        }

        private static Node markBf16(Node n) {
            return n.withAttr(Ops.PRECISION_ATTR, Ops.BF16);
        }

        private void fp32Copy(Node n) {
            List<TensorRef> ins = new ArrayList<>();
            for (TensorRef r : n.inputs()) ins.add(asFloat(r, n.name()));
            out.add(n.withInputs(ins));
            floatNodes.add(n.name());
        }

        // ---- tensor conversions ----

        /** The float version of a fused-IR tensor: itself if FP32, else a Dequantize that takes the tensor's name. */
        private TensorRef asFloat(TensorRef t, String consumer) {
            if (floatNodes.contains(t.node())) return t;
            TensorRef d = dequantized.get(t);
            if (d != null) return d;
            QTensor q = quantized.get(t);
            if (q == null) throw new IllegalStateException("tensor '" + t + "' read by '" + consumer + "' was not produced");
            String name = t.output() == 0 ? t.node() : t.node() + "_" + t.output();
            // the name is free: the quantized producer was emitted under a suffixed name
            names.add(name);
            d = emit(name, Ops.DEQUANTIZE, List.of(q.data(), q.min(), q.max()), dequantizeAttrs(q.type()));
            dequantized.put(t, d);
            return d;
        }

        /**
         * The quantized version of a fused-IR tensor, of the wanted type (null: whatever it is, or by the sign of the
         * calibrated range for a float tensor); null when it cannot be had without clipping values.
         */
        private QTensor asQuantized(TensorRef t, DType want, String consumer) {
            QTensor q = quantized.get(t);
            if (q != null) return want == null || q.type() == want ? q : null;
            float[] r = range(t, consumer);
            DType type = want != null ? want : r[0] < 0 ? DType.QINT8 : DType.QUINT8;
            if (type == DType.QUINT8 && r[0] < 0) return null;
            String key = t + "|" + type;
            QTensor made = quantizeV2s.get(key);
            if (made == null) {
                String base = (t.output() == 0 ? t.node() : t.node() + "_" + t.output()) + QUANTIZE_INFIX + type.name().toLowerCase();
                made = quantizeV2(asFloat(t, consumer), type, r[0], r[1], base);
                quantizeV2s.put(key, made);
            }
            return made;
        }

        private QTensor quantizeV2(TensorRef x, DType type, float min, float max, String base) {
            String name = unique(base);
            TensorRef lo = constant(name + "/min", Tensor.scalar(min)), hi = constant(name + "/max", Tensor.scalar(max));
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("T", type);
            a.put("mode", "SCALED");
            a.put("round_mode", "HALF_TO_EVEN");
            a.put("narrow_range", false);
            a.put("axis", -1L);
            a.put("ensure_minimum_range", Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE);
            TensorRef q = emit(name, Ops.QUANTIZE_V2, List.of(x, lo, hi), a);
            Int8Semantics.QuantizeV2Range eff = Int8Semantics.quantizeV2(type, min, max, Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE);
            if (type == DType.QUINT8) {
                return new QTensor(q, new TensorRef(name, 1), new TensorRef(name, 2), type, eff.outMax());
            }
            // TF's qint8 QuantizeV2 multiplies by 127.5/range but reports range, which consumers read as range/127 per
            // step: hand them the range that makes their step equal the quantizer's, range * 127/127.5
            float consumerRange = eff.outMax() * 127f / 127.5f;
            TensorRef cmin = constant(name + "/consumer_min", Tensor.scalar(-consumerRange));
            TensorRef cmax = constant(name + "/consumer_max", Tensor.scalar(consumerRange));
            return new QTensor(q, cmin, cmax, type, consumerRange);
        }

        private float[] range(TensorRef t, String consumer) {
            float[] r = decisions.range(t.toString());
            String where = "tensor '" + t + "' (needed by node '" + consumer + "')";
            if (r == null) throw new QtuneException("no calibrated range for " + where);
            if (r.length != 2 || !Float.isFinite(r[0]) || !Float.isFinite(r[1]) || r[0] > r[1]) {
                throw new QtuneException("calibrated range of " + where + " is not a finite [min, max]: " + java.util.Arrays.toString(r));
            }
            return r;
        }

        // ---- convolutions ----

        /** A fused convolution, or a plain Conv2D (no bias in the graph: a zero bias), as a quantized convolution. */
        private boolean int8Conv(Node n) {
            boolean plain = n.op().equals(Ops.CONV2D);
            FusedOps epilogue = plain ? FusedOps.BIAS : FusedOps.of(n);
            boolean relu = epilogue.activation() != null, sum = epilogue.sum();
            if (sum && !relu) {
                notes.add("node '" + n.name() + "' stays FP32: TF has no INT8 convolution fusing " + epilogue.ops());
                return false;
            }
            // TF registers the Sum kernels for quint8 input only
            QTensor x = asQuantized(n.input(0), sum ? DType.QUINT8 : null, n.name());
            if (x == null) {
                notes.add("node '" + n.name() + "' stays FP32: its input '" + n.input(0) + "' is signed and TF's sum kernels take quint8 only");
                return false;
            }
            QTensor summand = null;
            if (sum) {
                summand = asQuantized(n.input(3), null, n.name());
                if (needsPrivateSummand(n)) summand = privateCopy(summand, n.name());
            }
            String op = !relu ? Ops.QCONV_BIAS_REQUANTIZE : !sum ? Ops.QCONV_BIAS_RELU_REQUANTIZE
                    : summand.type() == DType.QUINT8 ? Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE : Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE;
            DType outType = relu ? DType.QUINT8 : DType.QINT8;

            float[] r = range(new TensorRef(n.name(), 0), n.name());
            float outRange = Int8Semantics.range(r[0], r[1]);
            if (Ops.RELU6.equals(epilogue.activation())) outRange = Math.min(outRange, 6f); // saturation at 255 then is Relu6's clip
            if (outRange == 0) outRange = ZERO_RANGE_SUBSTITUTE; // a tensor that was always 0: any scale holds it
            // the signed-sum kernel saturates its quint8 output at code 127: declare twice the range to keep it all
            if (op.equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE)) outRange *= 2;

            String name = unique(n.name() + QUANTIZED_CONV_SUFFIX);
            Tensor w = fused.requireConstant(n, 1);
            Tensor b = plain ? Tensor.ofFloats(new long[] {w.dim(3)}, new float[(int) w.dim(3)]) : fused.requireConstant(n, 2);
            if (b.dtype() != DType.FLOAT || b.rank() != 1 || b.dim(0) != w.dim(3)) {
                throw new QtuneException("node '" + n.name() + "': bias must be a float vector of " + w.dim(3) + ", got " + b);
            }
            DType tbias = x.type() == DType.QINT8 ? DType.FLOAT : DType.QINT32; // as Intel: float bias on signed input
            float[] minRange = tbias == DType.QINT32 ? Int8Weights.minFilterRange(b.floats(), x.type(), x.range()) : null;
            boolean perChannel = decisions.perChannel(n.name());
            Int8Weights.QuantizedFilter qf = Int8Weights.quantizeFilter(n.name(), w, perChannel, minRange,
                    Int8Weights.Codes.forConvolution(decisions.sevenBitWeights(n.name()), x.type()));
            Tensor bias = tbias == DType.FLOAT ? b : Int8Weights.qint32Bias(n.name(), b.floats(), x.type(), x.range(), qf.range());
            float[] fmin = new float[qf.range().length];
            for (int i = 0; i < fmin.length; i++) fmin[i] = -qf.range()[i];
            long[] fshape = perChannel ? new long[] {fmin.length} : new long[0];

            List<TensorRef> ins = new ArrayList<>(List.of(x.data(),
                    constant(name + "/filter", qf.values()),
                    constant(name + "/bias", bias),
                    x.min(), x.max(),
                    constant(name + "/filter_min", Tensor.ofFloats(fshape, fmin)),
                    constant(name + "/filter_max", Tensor.ofFloats(fshape, qf.range().clone())),
                    constant(name + "/min_freezed_output", Tensor.scalar(outType == DType.QUINT8 ? 0f : -outRange)),
                    constant(name + "/max_freezed_output", Tensor.scalar(outRange))));
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("Tinput", x.type());
            a.put("Tfilter", DType.QINT8);
            a.put("Tbias", tbias);
            a.put("out_type", outType);
            if (sum) {
                ins.addAll(List.of(summand.data(), summand.min(), summand.max()));
                a.put("Tsummand", summand.type());
            }
            a.put("strides", n.attrLongs("strides"));
            a.put("dilations", n.attrLongs("dilations", new long[] {1, 1, 1, 1}));
            String padding = n.attrString("padding");
            if (padding.equals("EXPLICIT")) {
                a.put("padding", "VALID");
                a.put("padding_list", n.attrLongs("explicit_paddings"));
            } else {
                a.put("padding", padding);
            }
            if (!n.attrString("data_format", "NHWC").equals("NHWC")) throw new QtuneException("node '" + n.name() + "': only NHWC is supported");
            emit(name, op, ins, a);
            quantized.put(new TensorRef(n.name(), 0), new QTensor(new TensorRef(name, 0), new TensorRef(name, 1),
                    new TensorRef(name, 2), outType, outRange));
            return true;
        }

        /**
         * TF computes a sum convolution in place in its summand's buffer and fails at run time unless it is the
         * summand's last reader: true when some other reader might run after it (or it reads the summand twice).
         */
        private boolean needsPrivateSummand(Node n) {
            TensorRef s = n.input(3);
            if (n.input(0).equals(s)) return true;
            Set<String> ancestors = ancestors(n);
            for (Node c : fused.consumers(s.node())) {
                if (c != n && c.inputs().contains(s) && !ancestors.contains(c.name())) return true;
            }
            return false;
        }

        private Set<String> ancestors(Node n) {
            Set<String> seen = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>();
            n.inputs().forEach(r -> todo.push(r.node()));
            while (!todo.isEmpty()) {
                String s = todo.pop();
                if (seen.add(s)) fused.node(s).inputs().forEach(r -> todo.push(r.node()));
            }
            return seen;
        }

        /** A copy only this convolution reads: Dequantize, then QuantizeV2 back to the same codes. */
        private QTensor privateCopy(QTensor s, String consumer) {
            String base = consumer + "/summand";
            TensorRef f = emit(unique(base + "_dequantize"), Ops.DEQUANTIZE, List.of(s.data(), s.min(), s.max()), dequantizeAttrs(s.type()));
            // quint8: 255/range restores the codes; qint8: QuantizeV2 multiplies by 127.5/range', so range' = range*127.5/127
            float r = s.type() == DType.QUINT8 ? s.range() : s.range() * 127.5f / 127f;
            return quantizeV2(f, s.type(), s.type() == DType.QUINT8 ? 0f : -r, r, base + "_quantize");
        }

        /** An FP32 convolution as stock TF ops: Conv2D, BiasAdd, then AddV2 and Relu/Relu6 as fused; the last is named as the fused node. */
        private void fp32Conv(Node n) {
            List<String> fusedOps = FusedOps.of(n).ops();
            Map<String, Object> convAttrs = new LinkedHashMap<>();
            for (String k : List.of("T", "data_format", "dilations", "explicit_paddings", "padding", "strides", "use_cudnn_on_gpu")) {
                if (n.hasAttr(k)) convAttrs.put(k, n.attrs().get(k));
            }
            if (!"EXPLICIT".equals(n.attrString("padding"))) convAttrs.remove("explicit_paddings");
            List<String> steps = new ArrayList<>(List.of(Ops.CONV2D));
            steps.addAll(fusedOps);
            // every op of the chain carries the mark, so it survives whichever node a later fusion keeps attrs from
            boolean bf16 = decisions.bf16(n.name());
            if (bf16) convAttrs.put(Ops.PRECISION_ATTR, Ops.BF16);
            TensorRef cur = null;
            for (int i = 0; i < steps.size(); i++) {
                String step = steps.get(i);
                boolean last = i == steps.size() - 1;
                String name = last ? n.name() : unique(n.name() + "/" + step);
                Map<String, Object> tOnly = new LinkedHashMap<>(Map.of("T", DType.FLOAT));
                if (bf16) tOnly.put(Ops.PRECISION_ATTR, Ops.BF16);
                Map<String, Object> biasAttrs = new LinkedHashMap<>(tOnly);
                biasAttrs.put("data_format", "NHWC");
                cur = switch (step) {
                    case Ops.CONV2D -> emit(name, Ops.CONV2D, List.of(asFloat(n.input(0), n.name()), asFloat(n.input(1), n.name())), convAttrs);
                    case Ops.BIAS_ADD -> emit(name, Ops.BIAS_ADD, List.of(cur, asFloat(n.input(2), n.name())), biasAttrs);
                    case Ops.ADD -> emit(name, Ops.ADD_V2, List.of(cur, asFloat(n.input(3), n.name())), tOnly);
                    case Ops.RELU, Ops.RELU6 -> emit(name, step, List.of(cur), tOnly);
                    default -> throw new QtuneException("node '" + n.name() + "': unknown fused op " + step);
                };
            }
            floatNodes.add(n.name());
        }

        // ---- pooling ----

        private boolean quantizedMaxPool(Node n) {
            QTensor x = quantized.get(n.input(0));
            String padding = n.attrString("padding");
            if (x == null || x.type() != DType.QUINT8 || !(padding.equals("SAME") || padding.equals("VALID"))) return false;
            String name = unique(n.name() + QUANTIZED_POOL_SUFFIX);
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("T", DType.QUINT8);
            a.put("ksize", n.attrLongs("ksize"));
            a.put("strides", n.attrLongs("strides"));
            a.put("padding", padding);
            emit(name, Ops.QUANTIZED_MAX_POOL, List.of(x.data(), x.min(), x.max()), a);
            quantized.put(new TensorRef(n.name(), 0), new QTensor(new TensorRef(name, 0), new TensorRef(name, 1),
                    new TensorRef(name, 2), DType.QUINT8, x.range()));
            return true;
        }

        private Map<String, Object> dequantizeAttrs(DType t) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("T", t);
            a.put("mode", "SCALED");
            a.put("narrow_range", false);
            a.put("axis", -1L);
            a.put("dtype", DType.FLOAT);
            return a;
        }

        // ---- the ArgMax output ----

        private void rewriteArgMax(List<String> sinks) {
            for (int i = 0; i < out.size(); i++) {
                Node n = out.get(i);
                if (!n.op().equals(Ops.ARG_MAX) || !sinks.contains(n.name())) continue;
                switch (argMaxOutput) {
                    case INT64 -> { }
                    case ATTR_EDIT -> {
                        out.set(i, n.withAttr("output_type", DType.FLOAT));
                        warnings.add(ATTR_EDIT_WARNING);
                    }
                    case CAST -> { } // CastArgMaxToFloat, on the finished graph
                }
            }
        }
    }
}
