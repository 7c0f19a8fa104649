package io.qtune.engine;

import io.qtune.graph.Node;
import org.bytedeco.dnnl.memory;

/**
 * The destination of a convolution whose sum post-op adds a summand (the residual of a ResNet block), FP32 or
 * INT8 alike: oneDNN's sum reads dst and overwrites it, so the output can be the summand's own buffer when
 * nothing reads the summand later, it already has dst's layout, and it is not the convolution's source;
 * otherwise the summand is copied into a fresh buffer first.
 */
final class InPlaceSummand {
    private InPlaceSummand() {}

    static Value destination(CompileContext c, Node conv, int summandInput, Value summand, Value src, long[] shape,
                             memory.desc dst) {
        if (c.lastReadBy(conv, summandInput) && summand.desc.equals(dst) && summand.root != src.root) {
            return c.newView(conv.name(), shape, dst, summand);
        }
        Value out = c.newRoot(conv.name(), shape, dst);
        c.emitReorder(conv.name(), "summand copy", summand, out);
        return out;
    }
}
