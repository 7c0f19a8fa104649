package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import io.qtune.semantics.Int8Semantics;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.memory;

import static io.qtune.engine.CompileContext.bad;

/**
 * What the INT8 lowerings share while one graph compiles: the TF type (qint8 / quint8) of each quantized tensor
 * computed so far, and the frozen ranges of Intel's format. Every min/max input must be a frozen range: a
 * constant, or the min/max output of another quantized op, resolved here at compile time
 * (docs/int8-semantics.md, {@link Int8Semantics}).
 */
final class QuantizedTensors {
    private final CompileContext c;
    private final Graph g;
    /** The TF type of each quantized tensor computed so far, by node name (output 0). */
    private final Map<String, DType> qtype = new HashMap<>();

    QuantizedTensors(CompileContext c) {
        this.c = c;
        this.g = c.g;
    }

    // ---------------------------------------------------------------- frozen ranges

    /** The float value(s) a min/max input stands for, followed through Identity and the quantized ops' outputs 1, 2. */
    float[] frozen(Node consumer, int input) {
        float[] v = frozen(consumer, input, consumer.input(input), 0);
        if (v == null) {
            throw bad(consumer, "input " + input + " ('" + consumer.input(input) + "') must be a frozen range: "
                    + "a float constant or a min/max output of a quantized op");
        }
        return v;
    }

    private float[] frozen(Node consumer, int input, TensorRef r, int depth) {
        if (depth > 64 || !g.contains(r.node())) return null;
        Node p = g.node(r.node());
        switch (p.op()) {
            case Ops.CONST -> {
                if (r.output() != 0) return null;
                Tensor t = p.attrTensor("value");
                if (!t.isFloat()) throw bad(consumer, "input " + input + " ('" + r + "') must be float, got " + t.dtype());
                return t.floats();
            }
            case Ops.IDENTITY -> {
                return r.output() == 0 ? frozen(consumer, input, p.input(0), depth + 1) : null;
            }
            case Ops.QUANTIZE_V2 -> {
                if (r.output() == 0) return null;
                Int8Semantics.QuantizeV2Range q = quantizeV2Range(p);
                return new float[] {r.output() == 1 ? q.outMin() : q.outMax()};
            }
            case Ops.QUANTIZED_MAX_POOL -> {
                return r.output() == 0 ? null : frozen(consumer, input, p.input(r.output()), depth + 1);
            }
            default -> {
                if (Ops.isQuantizedConv(p.op()) && r.output() > 0) return frozen(consumer, input, p.input(6 + r.output()), depth + 1);
                return null;
            }
        }
    }

    float scalar(Node n, int input) {
        float[] v = frozen(n, input);
        if (v.length != 1) throw bad(n, "input " + input + " ('" + n.input(input) + "') must be a scalar, has " + v.length + " values");
        return v[0];
    }

    Int8Semantics.QuantizeV2Range quantizeV2Range(Node n) {
        DType t = quantizedAttr(n, "T");
        return Int8Semantics.quantizeV2(t, scalar(n, 1), scalar(n, 2),
                n.attrFloat("ensure_minimum_range", Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE));
    }

    // ---------------------------------------------------------------- types and inputs

    static DType quantizedAttr(Node n, String attr) {
        if (!n.hasAttr(attr)) throw bad(n, "attribute " + attr + " is missing");
        DType t = n.attrType(attr);
        if (t != DType.QINT8 && t != DType.QUINT8) throw bad(n, attr + " must be qint8 or quint8, got " + t);
        return t;
    }

    static memory.data_type dnnlType(DType t) {
        return t == DType.QINT8 ? memory.data_type.s8 : memory.data_type.u8;
    }

    /** A computed quantized input of the type the op's attribute declares. */
    Value quantizedIn(Node n, int i, DType expected, String attr) {
        checkArity(n, i + 1);
        Value v = c.in(n, i);
        DType actual = qtypeOf(n.input(i));
        if (!v.isNative() || !v.isQuantized() || actual == null) {
            throw bad(n, "input " + i + " ('" + n.input(i) + "') must be a quantized tensor (" + expected
                    + "), got a float one; is a QuantizeV2 missing?");
        }
        if (actual != expected) {
            throw bad(n, "input " + i + " ('" + n.input(i) + "') is " + actual + " but " + attr + " says " + expected);
        }
        return v;
    }

    /** The quantized type of a tensor, looking through Identity; null for float tensors. */
    private DType qtypeOf(TensorRef r) {
        for (int depth = 0; r.output() == 0 && depth < 64; depth++) {
            DType t = qtype.get(r.node());
            if (t != null) return t;
            Node p = g.node(r.node());
            if (!p.op().equals(Ops.IDENTITY)) return null;
            r = p.input(0);
        }
        return null;
    }

    static void checkArity(Node n, int needed) {
        if (n.inputs().size() < needed) {
            throw bad(n, "needs at least " + needed + " inputs, has " + n.inputs().size());
        }
    }

    static void requireScaled(Node n) {
        String mode = n.attrString("mode", "MIN_COMBINED");
        if (!mode.equals("SCALED")) throw bad(n, "only mode SCALED is supported, got " + mode);
        if (n.attrBool("narrow_range", false)) throw bad(n, "narrow_range is not supported");
    }

    /** TF's row-major layout (NHWC for rank 4) with the given element type. */
    memory.desc plainDesc(long[] shape, memory.data_type t) {
        memory.format_tag tag = switch (shape.length) {
            case 0, 1 -> memory.format_tag.a;
            case 2 -> memory.format_tag.ab;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.nhwc;
            default -> throw new QtuneException("quantized tensors of rank " + shape.length + " are not supported");
        };
        return c.scope.own(new memory.desc(CompileContext.dims(shape), t, tag));
    }

    /** A shared f32 vector (scales) that every batch size's program reuses. */
    memory floats(String key, float[] v) {
        memory.desc d = c.temp.own(new memory.desc(new long[] {v.length}, memory.data_type.f32, memory.format_tag.a));
        return c.constants.get(key, v, d, d);
    }

    void bind(Node n, Value v, DType t) {
        c.bind(n, v);
        qtype.put(n.name(), t);
    }
}
