package io.qtune.serve;

import io.qtune.QtuneException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outputs of one request: every model output restricted to the request's images, in the engine's layout and
 * bits (batch dimension first). Immutable after construction; the arrays are this object's own.
 */
public final class InferenceResult {
    /** One output tensor: its shape (first dimension the request's image count) and float[] or long[] data. */
    public record Tensor(String name, long[] shape, Object data) {
        public boolean isInteger() {
            return data instanceof long[];
        }

        public long elements() {
            return data instanceof long[] l ? l.length : ((float[]) data).length;
        }
    }

    private final int images;
    private final Map<String, Tensor> byName = new LinkedHashMap<>();

    InferenceResult(int images, List<Tensor> tensors) {
        this.images = images;
        for (Tensor t : tensors) byName.put(t.name(), t);
    }

    /** Images in the request. */
    public int images() {
        return images;
    }

    /** Output names in the model's order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public Tensor tensor(String name) {
        Tensor t = byName.get(name);
        if (t == null) throw new QtuneException("no output named '" + name + "' (outputs: " + byName.keySet() + ")");
        return t;
    }

    public float[] floats(String name) {
        if (tensor(name).data() instanceof float[] f) return f;
        throw new QtuneException("output '" + name + "' holds integers: read it with longs()");
    }

    public long[] longs(String name) {
        if (tensor(name).data() instanceof long[] l) return l;
        throw new QtuneException("output '" + name + "' holds floats: read it with floats()");
    }
}
