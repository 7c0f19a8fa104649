package io.qtune.quant;

import io.qtune.AtomicFiles;
import io.qtune.QtuneException;
import io.qtune.calib.TensorRange;
import io.qtune.graph.Ops;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A quantization plan, as data apart from the graph: per op (by node name) an {@link OpPlan}, and the frozen
 * activation range per tensor. The tuner changes plans, never graphs. Immutable: the {@code with...} methods return
 * new plans. {@link #toJson()} gives the same bytes for equal plans (see {@link PlanJson} for the format).
 */
public final class QuantPlan {
    public static final int FORMAT_VERSION = 1;
    private static final QuantPlan EMPTY = new QuantPlan(new TreeMap<>(), new TreeMap<>());

    private final SortedMap<String, OpPlan> ops;
    private final SortedMap<String, TensorRange> ranges;

    private QuantPlan(TreeMap<String, OpPlan> ops, TreeMap<String, TensorRange> ranges) {
        this.ops = Collections.unmodifiableSortedMap(ops);
        this.ranges = Collections.unmodifiableSortedMap(ranges);
    }

    /** Whether a plan may put a fused op in INT8 or bf16: the ops Intel's INT8 format quantizes, convolutions and max pools. */
    public static boolean isQuantizable(String op) {
        return Ops.isConv(op) || op.equals(Ops.MAX_POOL);
    }

    public static QuantPlan empty() {
        return EMPTY;
    }

    public SortedMap<String, OpPlan> ops() {
        return ops;
    }

    public SortedMap<String, TensorRange> ranges() {
        return ranges;
    }

    public OpPlan op(String node) {
        OpPlan p = ops.get(node);
        if (p == null) throw new QtuneException("quant plan has no entry for op '" + node + "'");
        return p;
    }

    public TensorRange range(String tensor) {
        TensorRange r = ranges.get(tensor);
        if (r == null) throw new QtuneException("quant plan has no frozen range for tensor '" + tensor + "'");
        return r;
    }

    public QuantPlan withOp(String node, OpPlan op) {
        checkName("op", node);
        if (op == null) throw new QtuneException("quant plan: op '" + node + "' has no plan");
        TreeMap<String, OpPlan> o = new TreeMap<>(ops);
        o.put(node, op);
        return new QuantPlan(o, new TreeMap<>(ranges));
    }

    public QuantPlan withoutOp(String node) {
        TreeMap<String, OpPlan> o = new TreeMap<>(ops);
        o.remove(node);
        return new QuantPlan(o, new TreeMap<>(ranges));
    }

    public QuantPlan withRange(String tensor, TensorRange range) {
        checkName("tensor", tensor);
        if (range == null) throw new QtuneException("quant plan: tensor '" + tensor + "' has no range");
        TreeMap<String, TensorRange> r = new TreeMap<>(ranges);
        r.put(tensor, range);
        return new QuantPlan(new TreeMap<>(ops), r);
    }

    public QuantPlan withRanges(Map<String, TensorRange> more) {
        QuantPlan p = this;
        for (Map.Entry<String, TensorRange> e : new TreeMap<>(more).entrySet()) p = p.withRange(e.getKey(), e.getValue());
        return p;
    }

    private static void checkName(String what, String name) {
        if (name == null || name.isEmpty()) throw new QtuneException("quant plan: empty " + what + " name");
    }

    public String toJson() {
        return PlanJson.write(this);
    }

    /** Parses a plan; {@code source} (a file name, say) goes into error messages. */
    public static QuantPlan fromJson(String json, String source) {
        return PlanJson.read(json, source);
    }

    /** Writes the plan whole or not at all (a temp file renamed into place), rw-r--r-- like every other output. */
    public void write(Path path) {
        AtomicFiles.write(path, toJson().getBytes(StandardCharsets.UTF_8));
    }

    public static QuantPlan read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new QtuneException("cannot read quant plan " + path + ": " + e.getMessage(), e);
        }
        return fromJson(text, path.toString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantPlan p && p.ops.equals(ops) && p.ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return 31 * ops.hashCode() + ranges.hashCode();
    }

    @Override
    public String toString() {
        return "QuantPlan[" + ops.size() + " ops, " + ranges.size() + " ranges]";
    }
}
