package io.qtune.graph;

import io.qtune.QtuneException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operation of the IR. Immutable: rewrite passes make new nodes with the {@code with*} methods.
 * Attribute values are String, Long, Float, Boolean, {@link DType}, {@link ShapeAttr}, {@link Tensor},
 * long[] (list of ints), float[] (list of floats), List&lt;String&gt; or List&lt;DType&gt;.
 */
public final class Node {
    private final String name;
    private final String op;
    private final List<TensorRef> inputs;
    private final Map<String, Object> attrs;

    public Node(String name, String op, List<TensorRef> inputs, Map<String, Object> attrs) {
        this.name = name;
        this.op = op;
        this.inputs = List.copyOf(inputs);
        this.attrs = Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
    }

    public String name() {
        return name;
    }

    public String op() {
        return op;
    }

    public List<TensorRef> inputs() {
        return inputs;
    }

    public TensorRef input(int i) {
        if (i >= inputs.size()) {
            throw new QtuneException("node '" + name + "' (" + op + ") has " + inputs.size() + " inputs, needs at least " + (i + 1));
        }
        return inputs.get(i);
    }

    public Map<String, Object> attrs() {
        return attrs;
    }

    public boolean hasAttr(String key) {
        return attrs.containsKey(key);
    }

    public Node withName(String newName) {
        return new Node(newName, op, inputs, attrs);
    }

    public Node withOp(String newOp) {
        return new Node(name, newOp, inputs, attrs);
    }

    public Node withInputs(List<TensorRef> newInputs) {
        return new Node(name, op, newInputs, attrs);
    }

    public Node withAttr(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(attrs);
        m.put(key, value);
        return new Node(name, op, inputs, m);
    }

    public Node withoutAttr(String key) {
        Map<String, Object> m = new LinkedHashMap<>(attrs);
        m.remove(key);
        return new Node(name, op, inputs, m);
    }

    private <T> T attr(String key, Class<T> type) {
        Object v = attrs.get(key);
        if (v == null) throw new QtuneException("node '" + name + "' (" + op + ") lacks attribute '" + key + "'");
        if (!type.isInstance(v)) {
            throw new QtuneException("node '" + name + "' (" + op + ") attribute '" + key + "' is "
                    + v.getClass().getSimpleName() + ", expected " + type.getSimpleName());
        }
        return type.cast(v);
    }

    public String attrString(String key) {
        return attr(key, String.class);
    }

    public String attrString(String key, String fallback) {
        return attrs.containsKey(key) ? attrString(key) : fallback;
    }

    public long attrLong(String key) {
        return attr(key, Long.class);
    }

    public long attrLong(String key, long fallback) {
        return attrs.containsKey(key) ? attrLong(key) : fallback;
    }

    public float attrFloat(String key) {
        return attr(key, Float.class);
    }

    public float attrFloat(String key, float fallback) {
        return attrs.containsKey(key) ? attrFloat(key) : fallback;
    }

    public boolean attrBool(String key, boolean fallback) {
        return attrs.containsKey(key) ? attr(key, Boolean.class) : fallback;
    }

    public DType attrType(String key) {
        return attr(key, DType.class);
    }

    public DType attrType(String key, DType fallback) {
        return attrs.containsKey(key) ? attrType(key) : fallback;
    }

    public long[] attrLongs(String key) {
        return attr(key, long[].class).clone();
    }

    public long[] attrLongs(String key, long[] fallback) {
        return attrs.containsKey(key) ? attrLongs(key) : fallback;
    }

    public Tensor attrTensor(String key) {
        return attr(key, Tensor.class);
    }

    public ShapeAttr attrShape(String key) {
        return attr(key, ShapeAttr.class);
    }

    @SuppressWarnings("unchecked")
    public List<String> attrStrings(String key) {
        return attrs.containsKey(key) ? (List<String>) attr(key, List.class) : List.of();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" = ").append(op).append(inputs);
        attrs.forEach((k, v) -> {
            if (v instanceof Tensor) return;
            sb.append(' ').append(k).append('=').append(v instanceof long[] a ? Arrays.toString(a) : v);
        });
        return sb.toString();
    }
}
