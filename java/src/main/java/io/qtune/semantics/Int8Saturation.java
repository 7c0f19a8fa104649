package io.qtune.semantics;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether an INT8 graph computes other integers on this CPU than TF's reference arithmetic says: where oneDNN has no
 * VNNI, filters with more than 7-bit codes saturate {@code vpmaddubsw}'s 16-bit pair sums ({@link Int8DotProduct}).
 */
public final class Int8Saturation {
    private Int8Saturation() {}

    /** The dot product oneDNN runs INT8 convolutions with in this process (after ONEDNN_MAX_CPU_ISA). */
    public static Int8DotProduct cpu() {
        return io.qtune.platform.Machine.current().int8DotProductSaturates() ? Int8DotProduct.SATURATING_PAIRS : Int8DotProduct.EXACT;
    }

    /** The quantized convolutions of {@code int8} whose filters {@code vpmaddubsw} can saturate, in graph order. */
    public static List<String> saturatingConvolutions(Graph int8) {
        List<String> out = new ArrayList<>();
        for (Node n : int8.nodes()) {
            if (!Ops.isQuantizedConv(n.op()) || !n.hasAttr("Tinput")) continue;
            var w = int8.constant(n.input(1));
            if (w == null || w.dtype() != io.qtune.graph.DType.QINT8) continue; // the lowering names what is wrong
            if (!Int8DotProduct.saturationFree(w.longs(), n.attrType("Tinput"))) out.add(n.name());
        }
        return out;
    }

    /** One line for the user where this CPU computes other integers for {@code int8} than a VNNI CPU, else null. */
    public static String warning(Graph int8, Int8DotProduct cpu) {
        if (cpu == Int8DotProduct.EXACT) return null;
        List<String> convs = saturatingConvolutions(int8);
        if (convs.isEmpty()) return null;
        return convs.size() + " INT8 convolutions (first: '" + convs.get(0) + "') have 8-bit filter codes, and this CPU's INT8 "
                + "dot product is vpmaddubsw (no VNNI), whose 16-bit pair sums saturate: their results differ from TF's "
                + "reference arithmetic and from a VNNI CPU's; quantize with --weight-range 7bit for the same integers on every CPU";
    }
}
