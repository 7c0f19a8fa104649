package io.qtune.engine;

import java.util.List;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The execution state of one run of a {@link Program}: activation buffers, a scratchpad, a stream and the
 * prebuilt argument arrays of every step. One thread uses a workspace at a time; a program keeps a pool of
 * them so concurrent callers each get their own. Everything is allocated here, once, so a run allocates
 * nothing native.
 */
final class Workspace implements AutoCloseable {
    private final NativeScope scope = new NativeScope();
    final dnnl_stream stream;
    /** Per value id: its oneDNN memory (native values). */
    final memory[] memories;
    /** Per value id: float[] or long[] (host values). */
    final Object[] host;
    /** Per value id: a float view of the buffer, for values the host reads (inputs, outputs, ArgMax input). */
    final FloatPointer[] views;
    /** Per step: its arguments as a C array, or null for host steps. */
    final dnnl_exec_arg_t[] args;

    Workspace(Program p, engine eng) {
        try {
            stream s = scope.own(new stream(eng));
            stream = s.get();
            memory[] slots = new memory[p.slotBytes.length];
            for (int i = 0; i < slots.length; i++) {
                // library allocation: 64-byte aligned, which the AVX-512 kernels want
                memory.desc d = scope.own(new memory.desc(new long[] {Math.max(1, p.slotBytes[i])},
                        memory.data_type.u8, memory.format_tag.a));
                slots[i] = scope.own(new memory(d, eng));
            }
            memory scratch = null;
            if (p.scratchpadBytes > 0) {
                memory.desc d = scope.own(new memory.desc(new long[] {p.scratchpadBytes}, memory.data_type.u8, memory.format_tag.a));
                scratch = scope.own(new memory(d, eng));
            }
            List<Value> values = p.values;
            memories = new memory[values.size()];
            host = new Object[values.size()];
            views = new FloatPointer[values.size()];
            for (Value v : values) {
                if (v.isNative()) {
                    memory slot = slots[v.root.slot];
                    memories[v.id] = scope.own(new memory(v.desc, eng, scope.own(slot.get_data_handle())));
                } else if (v.kind == Value.Kind.HOST_F32) {
                    host[v.id] = new float[Math.toIntExact(v.elements())];
                } else {
                    host[v.id] = new long[Math.toIntExact(v.elements())];
                }
            }
            for (Value v : p.hostVisible) {
                long n = v.elements();
                views[v.id] = scope.own(new FloatPointer(scope.own(memories[v.id].get_data_handle())))
                        .capacity(n).limit(n);
            }
            args = new dnnl_exec_arg_t[p.steps.size()];
            for (int i = 0; i < args.length; i++) {
                if (!(p.steps.get(i) instanceof PrimitiveStep ps)) continue;
                int n = ps.argIds.length + (ps.scratchpad != null ? 1 : 0);
                dnnl_exec_arg_t a = scope.own(new dnnl_exec_arg_t(n));
                for (int k = 0; k < ps.argIds.length; k++) {
                    memory m = ps.argSources[k] instanceof Value v ? memories[v.id] : (memory) ps.argSources[k];
                    a.position(k).arg(ps.argIds[k]).memory(m.get());
                }
                if (ps.scratchpad != null) {
                    memory sm = scope.own(new memory(ps.scratchpad, eng, scope.own(scratch.get_data_handle())));
                    a.position(n - 1).arg(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD).memory(sm.get());
                }
                args[i] = a.position(0);
            }
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    private float[] row = new float[0];
    private final java.util.Map<Integer, float[]> observed = new java.util.HashMap<>();
    private final java.util.Map<Integer, float[]> observedBySize = new java.util.HashMap<>();
    /** Who receives the observed tensors of the current run ({@link ObserveStep}); null: nobody. */
    io.qtune.calib.ActivationObserver observer;

    /** A float array for an observed value, allocated once per workspace. */
    float[] observeBuffer(int valueId, int n) {
        return observed.computeIfAbsent(valueId, k -> new float[n]);
    }

    /** A float array of exactly n elements, shared by the tensors of that size observed one at a time. */
    float[] observeBuffer(int n) {
        return observedBySize.computeIfAbsent(n, k -> new float[n]);
    }

    /** A float array of at least n elements, reused across runs. */
    float[] rowBuffer(int n) {
        if (row.length < n) row = new float[n];
        return row;
    }

    @Override
    public void close() {
        scope.close();
    }
}
