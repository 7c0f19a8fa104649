package io.qtune.engine;

import io.qtune.QtuneException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of one {@link Model#run}: every output of the graph (its sink nodes) by node name, as Java
 * arrays in TensorFlow's row-major layout. Float outputs (e.g. {@code softmax_tensor}) are read with
 * {@link #floats}, integer outputs (e.g. {@code ArgMax}) with {@link #longs}. Independent of the model:
 * it stays valid after the model is closed.
 */
public final class Outputs {
    record Entry(String name, long[] shape, Object data) {}

    private final int batch;
    private final Map<String, Entry> byName = new LinkedHashMap<>();

    Outputs(int batch, List<Entry> entries) {
        this.batch = batch;
        for (Entry e : entries) byName.put(e.name(), e);
    }

    /** The batch size of the run. */
    public int batch() {
        return batch;
    }

    /** Output names in the graph's order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** TensorFlow shape of an output, e.g. [batch, 1001]. */
    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** Whether the output holds integers (read it with {@link #longs}) rather than floats. */
    public boolean isInteger(String name) {
        return entry(name).data() instanceof long[];
    }

    /** A float output; the array is this object's own, do not expect copies. */
    public float[] floats(String name) {
        Entry e = entry(name);
        if (e.data() instanceof float[] f) return f;
        throw new QtuneException("output '" + e.name() + "' holds integers: read it with longs()");
    }

    /** An integer output (int32 or int64 in the graph). */
    public long[] longs(String name) {
        Entry e = entry(name);
        if (e.data() instanceof long[] l) return l;
        throw new QtuneException("output '" + e.name() + "' holds floats: read it with floats()");
    }

    private Entry entry(String name) {
        Entry e = byName.get(name);
        if (e == null && name.endsWith(":0")) e = byName.get(name.substring(0, name.length() - 2));
        if (e == null) throw new QtuneException("no output named '" + name + "' (outputs: " + byName.keySet() + ")");
        return e;
    }
}
