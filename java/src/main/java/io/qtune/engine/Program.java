package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.calib.ActivationObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;

/**
 * A graph compiled for one batch size: a flat list of steps over values whose buffers were planned at compile
 * time. Immutable and shared by all threads; each run borrows a {@link Workspace} from the pool.
 */
final class Program implements AutoCloseable {
    final int batch;
    final List<Step> steps;
    final List<Value> values;
    final long[] slotBytes;
    final long scratchpadBytes;
    final Value input;
    final List<String> outputNames;
    final List<Value> outputs;
    /** Native values the host reads: the input, native outputs, inputs of host steps. */
    final List<Value> hostVisible;
    /** What the compiler did differently from what the graph asked, one line each. */
    final List<String> notes;
    private final NativeScope scope;
    private final engine eng;
    private final ConcurrentLinkedDeque<Workspace> idle = new ConcurrentLinkedDeque<>();
    private final List<Workspace> all = new ArrayList<>();
    private final PrimitiveStep[] primitiveAt;
    private final HostStep[] hostAt;

    Program(int batch, List<Step> steps, List<Value> values, long[] slotBytes, long scratchpadBytes, Value input,
            List<String> outputNames, List<Value> outputs, List<Value> hostVisible, NativeScope scope, engine eng,
            List<String> notes) {
        this.notes = List.copyOf(notes);
        this.batch = batch;
        this.steps = List.copyOf(steps);
        this.values = List.copyOf(values);
        this.slotBytes = slotBytes;
        this.scratchpadBytes = scratchpadBytes;
        this.input = input;
        this.outputNames = List.copyOf(outputNames);
        this.outputs = List.copyOf(outputs);
        this.hostVisible = List.copyOf(hostVisible);
        this.scope = scope;
        this.eng = eng;
        primitiveAt = new PrimitiveStep[steps.size()];
        hostAt = new HostStep[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof PrimitiveStep p) primitiveAt[i] = p;
            else hostAt[i] = (HostStep) steps.get(i);
        }
    }

    Workspace acquire() {
        Workspace ws = idle.pollFirst();
        if (ws != null) return ws;
        ws = new Workspace(this, eng);
        synchronized (all) {
            all.add(ws);
        }
        return ws;
    }

    void release(Workspace ws) {
        idle.addFirst(ws); // LIFO: the most recently used buffers are the warmest in cache
    }

    /**
     * Where the time of traced runs went, summed over runs: the input copy, each step (primitive or host work, up to
     * the end of its stream wait), the Java time before each step (since the previous step ended), the final wait.
     */
    static final class Trace {
        final long[] stepNanos;
        final long[] beforeNanos;
        long inputNanos;
        long finishNanos;
        int runs;

        Trace(int steps) {
            stepNanos = new long[steps];
            beforeNanos = new long[steps];
        }
    }

    /** Copies the input in, runs every step; a trace, when given, receives where the time went. */
    void execute(Workspace ws, float[] in, int offset, Trace trace) {
        long t = trace != null ? System.nanoTime() : 0;
        ws.views[input.id].put(in, offset, Math.toIntExact(input.elements()));
        if (trace != null) {
            long now = System.nanoTime();
            trace.inputNanos += now - t;
            t = now;
        }
        dnnl_stream s = ws.stream;
        for (int i = 0; i < primitiveAt.length; i++) {
            long t0 = trace != null ? System.nanoTime() : 0;
            PrimitiveStep p = primitiveAt[i];
            if (p != null) {
                int rc = dnnl.dnnl_primitive_execute(p.handle, s, p.argIds.length + (p.scratchpad != null ? 1 : 0), ws.args[i]);
                if (rc != dnnl.dnnl_success) {
                    throw new QtuneException("node '" + p.node + "': oneDNN " + p.kind + " failed with status " + rc);
                }
            } else {
                dnnl.dnnl_stream_wait(s);
                hostAt[i].run(ws);
            }
            if (trace != null) {
                dnnl.dnnl_stream_wait(s);
                long now = System.nanoTime();
                trace.beforeNanos[i] += t0 - t;
                trace.stepNanos[i] += now - t0;
                t = now;
            }
        }
        dnnl.dnnl_stream_wait(s);
        if (trace != null) {
            trace.finishNanos += System.nanoTime() - t;
            trace.runs++;
        }
    }

    /** Runs step {@code i} alone on the workspace's current data (its inputs hold what the last run left there). */
    void executeStep(Workspace ws, int i) {
        PrimitiveStep p = primitiveAt[i];
        if (p == null) {
            hostAt[i].run(ws);
            return;
        }
        int rc = dnnl.dnnl_primitive_execute(p.handle, ws.stream, p.argIds.length + (p.scratchpad != null ? 1 : 0), ws.args[i]);
        if (rc != dnnl.dnnl_success) {
            throw new QtuneException("node '" + p.node + "': oneDNN " + p.kind + " failed with status " + rc);
        }
        dnnl.dnnl_stream_wait(ws.stream);
    }

    /** Hands the named outputs of the last run to an observer, through buffers the workspace reuses. */
    void observe(Workspace ws, List<String> names, ActivationObserver observer) {
        for (int i = 0; i < outputs.size(); i++) {
            if (!names.contains(outputNames.get(i))) continue;
            Value v = outputs.get(i);
            float[] f;
            if (v.isNative()) {
                f = ws.observeBuffer(v.id, Math.toIntExact(v.elements()));
                ws.views[v.id].get(f, 0, f.length);
            } else if (ws.host[v.id] instanceof float[] h) {
                f = h;
            } else {
                long[] l = (long[]) ws.host[v.id];
                f = ws.observeBuffer(v.id, l.length);
                for (int k = 0; k < l.length; k++) f[k] = l[k];
            }
            observer.observe(outputNames.get(i), v.shape.clone(), f);
        }
    }

    /** Copies the outputs of the last run out of the workspace. */
    Outputs collect(Workspace ws) {
        List<Outputs.Entry> entries = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            Value v = outputs.get(i);
            Object data;
            if (v.isNative()) {
                float[] f = new float[Math.toIntExact(v.elements())];
                ws.views[v.id].get(f, 0, f.length);
                data = f;
            } else if (ws.host[v.id] instanceof float[] f) {
                data = f.clone();
            } else {
                data = ((long[]) ws.host[v.id]).clone();
            }
            entries.add(new Outputs.Entry(outputNames.get(i), v.shape, data));
        }
        return new Outputs(batch, entries);
    }

    @Override
    public void close() {
        synchronized (all) {
            for (Workspace ws : all) ws.close();
            all.clear();
        }
        idle.clear();
        scope.close();
    }
}
