package io.qtune.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects the nodes, initializers, inputs and outputs of one ONNX graph in emission order, with unique names. */
final class OnnxGraphBuilder {
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final String batchParam;
    private int nodeCount;

    OnnxGraphBuilder(String batchParam) {
        this.batchParam = batchParam;
    }

    /** Marks names as taken, so that {@link #unique} never hands them out (the IR's node names). */
    void reserve(Iterable<String> taken) {
        for (String s : taken) names.add(s);
    }

    String unique(String base) {
        String s = base;
        for (int i = 1; names.contains(s); i++) s = base + "_" + i;
        names.add(s);
        return s;
    }

    int nodeCount() {
        return nodeCount;
    }

    /** A node with one output named {@code out} (already reserved or unique); returns {@code out}. */
    String node(String op, String out, List<String> ins, byte[]... attrs) {
        nodes.add(OnnxProto.node(out, op, ins, List.of(out), Arrays.asList(attrs)));
        nodeCount++;
        return out;
    }

    void input(String name, int elemType, long[] dims) {
        inputs.add(OnnxProto.valueInfo(name, elemType, dims, batchParam));
    }

    void output(String name, int elemType, long[] dims) {
        outputs.add(OnnxProto.valueInfo(name, elemType, dims, batchParam));
    }

    String floats(String base, long[] dims, float[] v) {
        ByteBuffer b = buffer(4L * v.length);
        for (float x : v) b.putFloat(x);
        return initializer(base, OnnxProto.FLOAT, dims, b);
    }

    String int64s(String base, long[] dims, long[] v) {
        ByteBuffer b = buffer(8L * v.length);
        for (long x : v) b.putLong(x);
        return initializer(base, OnnxProto.INT64, dims, b);
    }

    String int32s(String base, long[] dims, int[] v) {
        ByteBuffer b = buffer(4L * v.length);
        for (int x : v) b.putInt(x);
        return initializer(base, OnnxProto.INT32, dims, b);
    }

    /** int8 or uint8 values (dataType INT8 or UINT8), one byte each. */
    String bytes(String base, int dataType, long[] dims, byte[] v) {
        return initializer(base, dataType, dims, ByteBuffer.wrap(v));
    }

    private String initializer(String base, int dataType, long[] dims, ByteBuffer data) {
        String name = unique(base);
        initializers.add(OnnxProto.tensor(name, dataType, dims, data.array()));
        return name;
    }

    private static ByteBuffer buffer(long size) {
        return ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    byte[] model(String graphName, String producerVersion, String docString) {
        return OnnxProto.model(OnnxProto.graph(graphName, nodes, initializers, inputs, outputs), producerVersion, docString);
    }
}
