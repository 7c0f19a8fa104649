package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.semantics.Int8Saturation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.dnnl.engine;

/**
 * Compiles a fused FP32 or INT8 graph for one batch size into a {@link Program}: each node goes to the lowering
 * {@link Lowerings} registers for its op (one oneDNN primitive per fused node, activations in the layouts the
 * primitives choose, reorders only where two disagree), constants are laid out once through the
 * {@link ConstantCache}, and the {@link BufferPlanner} gives activations buffers by liveness so a run reuses a
 * small set of warm buffers.
 */
final class ProgramCompiler {
    /** Ops the engine compiles; anything else is rejected up front with the node's name. */
    static final Set<String> SUPPORTED = Lowerings.ops();

    private ProgramCompiler() {}

    static QtuneException unsupported(Node n) {
        String hint = Ops.isBatchNorm(n.op()) || n.op().equals(Ops.PAD)
                ? "; fuse the graph first (io.qtune.graph.passes.Passes.fuseForInference)" : "";
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): the oneDNN engine does not support this op" + hint);
    }

    static Program compile(Graph g, int batch, engine eng, ConstantCache constants) {
        return compile(g, batch, eng, constants, List.of(), List.of());
    }

    /**
     * As above; {@code extraOutputs} names inner nodes whose output 0 is returned too, {@code observed} inner nodes
     * whose output 0 goes to the run's observer right after the step that computes it ({@link ObserveStep}).
     */
    static Program compile(Graph g, int batch, engine eng, ConstantCache constants, List<String> extraOutputs,
                           List<String> observed) {
        for (Node n : g.nodes()) {
            if (!SUPPORTED.contains(n.op())) throw unsupported(n);
        }
        for (String o : observed) {
            if (!g.contains(o)) throw new QtuneException("no node '" + o + "' to observe");
        }
        CompileContext c = new CompileContext(g, batch, eng, constants, List.copyOf(extraOutputs));
        try {
            return build(c, extraOutputs, observed);
        } catch (RuntimeException e) {
            c.scope.close();
            throw e;
        } finally {
            c.temp.close();
        }
    }

    /** Whether oneDNN may use the CPU's native bf16 dot products (avx512_bf16, AMX), as capped by ONEDNN_MAX_CPU_ISA. */
    static boolean cpuHasBf16() {
        return ConvLowering.cpuHasBf16();
    }

    private static Program build(CompileContext c, List<String> extraOutputs, List<String> observed) {
        Graph g = c.g;
        List<Node> placeholders = g.placeholders();
        if (placeholders.size() != 1) {
            throw new QtuneException("the engine runs graphs with exactly one input placeholder, this one has "
                    + placeholders.size() + " " + placeholders.stream().map(Node::name).toList());
        }
        java.util.Set<String> pending = new java.util.LinkedHashSet<>(observed);
        for (Node n : g.nodes()) {
            if (c.isFusedAway(n)) continue;
            try {
                Lowerings.of(n.op()).lower(n, c);
                observeComputed(c, pending);
            } catch (QtuneException e) {
                throw e;
            } catch (RuntimeException e) {
                // oneDNN reports a failed primitive creation as a RuntimeException carrying dnnl::error's text
                throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): oneDNN cannot compile it for batch "
                        + c.batch + " (" + e.getMessage() + ")", e);
            }
        }
        if (!pending.isEmpty()) {
            String name = pending.iterator().next();
            throw new QtuneException("node '" + name + "' (" + g.node(name).op() + ") has no computed output to observe");
        }
        List<String> outputNames = new ArrayList<>();
        List<Value> outputs = new ArrayList<>();
        List<String> names = new ArrayList<>(g.sinks().stream().map(Node::name).toList());
        for (String o : extraOutputs) if (!names.contains(o)) names.add(o);
        for (String name : names) {
            Node s = g.node(name);
            Value v = c.boundTo(s.name());
            if (v == null) throw new QtuneException("node '" + name + "' (" + s.op() + ") has no computed output to return");
            if (v.isNative()) {
                v = c.toPlain(s.name(), v);
                c.hostVisible.add(v);
            }
            outputNames.add(s.name());
            outputs.add(v);
        }
        c.hostVisible.add(c.input);
        long[] slotBytes = BufferPlanner.plan(c.values, c.steps, c.input, outputs);
        long scratch = 0;
        for (Step s : c.steps) {
            if (s instanceof PrimitiveStep p && p.scratchpad != null) scratch = Math.max(scratch, p.scratchpad.get_size());
        }
        return new Program(c.batch, c.steps, c.values, slotBytes, scratch, c.input, outputNames, outputs,
                new ArrayList<>(c.hostVisible), c.scope, c.eng, notes(c));
    }

    /**
     * The program's notes: a whole BF16 model on a CPU without bf16 falls back once, so one line says so first; 8-bit
     * filters on a CPU without VNNI compute other integers than TF's semantics (Int8Saturation), one line for all.
     */
    private static List<String> notes(CompileContext c) {
        List<String> out = new ArrayList<>();
        List<String> fp32 = c.bf16WithoutCpu;
        String why = " in FP32, not bf16: the CPU has no avx512_bf16/AMX";
        if (fp32.size() == 1) out.add("node '" + fp32.get(0) + "' runs" + why);
        else if (fp32.size() > 1) out.add(fp32.size() + " convolutions marked bf16 (node '" + fp32.get(0) + "' and " + (fp32.size() - 1) + " more) run" + why);
        String saturation = Int8Saturation.warning(c.g, Int8Saturation.cpu());
        if (saturation != null) out.add(saturation);
        out.addAll(c.notes);
        return out;
    }

    /** Emits an {@link ObserveStep} for every pending observed node whose output the steps so far computed. */
    private static void observeComputed(CompileContext c, java.util.Set<String> pending) {
        for (java.util.Iterator<String> it = pending.iterator(); it.hasNext(); ) {
            String name = it.next();
            Value v = c.boundTo(name);
            if (v == null) continue;
            if (v.isNative()) {
                v = c.toPlain(name, v);
                c.hostVisible.add(v);
            }
            c.steps.add(new ObserveStep(name, v));
            it.remove();
        }
    }

    /** Names of the ops the engine compiles, for messages. */
    static String supportedOps() {
        return new TreeSet<>(SUPPORTED).toString();
    }
}
