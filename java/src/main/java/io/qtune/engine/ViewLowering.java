package io.qtune.engine;

import io.qtune.graph.Node;
import io.qtune.graph.Ops;

import static io.qtune.engine.CompileContext.bad;

/** Identity, Squeeze and Reshape: no step, only a new name (or a plain-layout view) for the same buffer. */
final class ViewLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        if (n.op().equals(Ops.IDENTITY)) {
            c.bind(n, c.in(n, 0));
            return;
        }
        Value x = c.in(n, 0);
        if (!x.isNative()) throw bad(n, "reshaping a host (integer) result is not supported");
        if (x.isQuantized()) throw bad(n, "reshaping a quantized tensor is not supported; Dequantize it first");
        Value p = c.toPlain(n.name(), x);
        long[] s = c.shapeOf(n);
        c.bind(n, c.newView(n.name(), s, c.plainDesc(s), p));
    }
}
