package io.qtune.engine;

import io.qtune.graph.DType;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import java.util.Arrays;

import static io.qtune.engine.CompileContext.bad;

/** ArgMax and Cast: small integer results computed in Java after the oneDNN stream ({@link HostStep}). */
final class HostLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        if (n.op().equals(Ops.ARG_MAX)) argMax(n, c);
        else cast(n, c);
    }

    private static void argMax(Node n, CompileContext c) {
        Value x = c.toPlain(n.name(), c.nativeIn(n, 0));
        long[] axis = c.g.requireConstant(n, 1).longs();
        int rank = x.shape.length;
        if (axis.length != 1 || rank == 0 || (axis[0] < 0 ? axis[0] + rank : axis[0]) != rank - 1) {
            throw bad(n, "only ArgMax over the last axis is supported, got axis " + Arrays.toString(axis)
                    + " of " + Arrays.toString(x.shape));
        }
        DType t = n.attrType("output_type", DType.INT64);
        if (t != DType.INT64 && t != DType.INT32) throw bad(n, "output_type " + t + " is not supported");
        Value out = c.newHost(n.name(), c.shapeOf(n), Value.Kind.HOST_I64);
        c.hostVisible.add(x);
        c.emitHost(new ArgMaxStep(n.name(), x, out));
        c.bind(n, out);
    }

    private static void cast(Node n, CompileContext c) {
        Value x = c.in(n, 0);
        DType to = n.attrType("DstT");
        boolean toFloat = to == DType.FLOAT;
        boolean toInt = to == DType.INT64 || to == DType.INT32;
        if (!toFloat && !toInt) throw bad(n, "cast to " + to + " is not supported");
        if ((x.isNative() || x.kind == Value.Kind.HOST_F32) && toFloat || x.kind == Value.Kind.HOST_I64 && toInt) {
            c.bind(n, x);
            return;
        }
        if (x.isNative()) throw bad(n, "casting a float tensor to " + to + " is not supported");
        Value out = c.newHost(n.name(), c.shapeOf(n), toFloat ? Value.Kind.HOST_F32 : Value.Kind.HOST_I64);
        c.emitHost(new CastStep(n.name(), x, out));
        c.bind(n, out);
    }
}
