package io.qtune.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

/**
 * Constants (weights, biases) in the layouts the primitives chose, reordered once and shared by all programs
 * of a model: the program for another batch size reuses a tensor whenever its primitive asks for the same
 * layout. Callers serialize access (the model compiles under one lock); reads at run time are lock-free.
 */
final class ConstantCache implements AutoCloseable {
    private record Entry(memory.desc desc, memory mem) {}

    private final engine eng;
    private final NativeScope scope = new NativeScope();
    private final stream stream;
    private final Map<String, List<Entry>> byKey = new HashMap<>();
    private int layouts;

    ConstantCache(engine eng) {
        this.eng = eng;
        this.stream = scope.own(new stream(eng));
    }

    /**
     * The constant {@code data}, laid out as {@code source} describes, in the layout {@code wanted}.
     * {@code key} names the tensor (node name and role); one key may hold several layouts.
     */
    synchronized memory get(String key, float[] data, memory.desc source, memory.desc wanted) {
        List<Entry> entries = byKey.computeIfAbsent(key, k -> new ArrayList<>());
        for (Entry e : entries) {
            if (e.desc().equals(wanted)) return e.mem();
        }
        memory dst = scope.own(new memory(wanted, eng));
        if (source.equals(wanted)) {
            // already in the wanted layout (a bias vector): copy into the aligned library buffer, no reorder
            try (FloatPointer view = new FloatPointer(dst.get_data_handle())) {
                view.capacity(data.length).limit(data.length).put(data);
            }
            layouts++;
            entries.add(new Entry(scope.own(new memory.desc(wanted)), dst));
            return dst;
        }
        try (NativeScope tmp = new NativeScope()) {
            reorderInto(tmp.own(new FloatPointer(data)), source, dst);
        }
        layouts++;
        entries.add(new Entry(scope.own(new memory.desc(wanted)), dst));
        return dst;
    }

    /** Like {@link #get(String, float[], memory.desc, memory.desc)} for 8-bit constants (INT8 filters). */
    synchronized memory getBytes(String key, byte[] data, memory.desc source, memory.desc wanted) {
        List<Entry> entries = byKey.computeIfAbsent(key, k -> new ArrayList<>());
        for (Entry e : entries) {
            if (e.desc().equals(wanted)) return e.mem();
        }
        memory dst = scope.own(new memory(wanted, eng));
        try (NativeScope tmp = new NativeScope()) {
            // a reorder even when the layouts match: it also writes the s8-source compensation oneDNN may append
            reorderInto(tmp.own(new BytePointer(data)), source, dst);
        }
        layouts++;
        entries.add(new Entry(scope.own(new memory.desc(wanted)), dst));
        return dst;
    }

    private void reorderInto(Pointer host, memory.desc source, memory dst) {
        try (NativeScope tmp = new NativeScope()) {
            memory src = tmp.own(new memory(source, eng, host));
            reorder r = tmp.own(new reorder(src, dst));
            IntMemoryMap args = tmp.own(new IntMemoryMap());
            args.put(DNNL_ARG_FROM, src);
            args.put(DNNL_ARG_TO, dst);
            r.execute(stream, args);
            stream._wait();
        }
    }

    /** The layouts held per tensor key, in the order they were made (tests compare them across models). */
    synchronized Map<String, List<memory.desc>> layoutsByKey() {
        Map<String, List<memory.desc>> out = new HashMap<>();
        byKey.forEach((k, entries) -> out.put(k, entries.stream().map(Entry::desc).toList()));
        return out;
    }

    /** How many constant tensors were laid out so far (tests check that batch sizes share them). */
    synchronized int layoutsMade() {
        return layouts;
    }

    @Override
    public synchronized void close() {
        byKey.clear();
        scope.close();
    }
}
