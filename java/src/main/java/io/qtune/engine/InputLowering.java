package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Node;
import java.util.Arrays;

import static io.qtune.engine.CompileContext.bad;

/** The graph's one float Placeholder: the buffer a run copies its images into, in TF's NHWC layout. */
final class InputLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        DType t = n.attrType("dtype", DType.FLOAT);
        if (t != DType.FLOAT) throw bad(n, "input type " + t + " is not supported, the engine takes float input");
        long[] s = c.shapeOf(n);
        if (s.length == 0 || s[0] != c.batch) {
            throw new QtuneException("input '" + n.name() + "' has the fixed shape " + Arrays.toString(s)
                    + ", so it cannot run with batch " + c.batch);
        }
        c.input = c.newRoot(n.name(), s, c.plainDesc(s));
        c.bind(n, c.input);
    }
}
