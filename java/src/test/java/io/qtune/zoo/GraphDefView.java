package io.qtune.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Read-only look at a GraphDef for tests: nodes by name, Const values, op counts. */
final class GraphDefView {
    final GraphDef graph;
    final Map<String, NodeDef> nodes = new LinkedHashMap<>();

    GraphDefView(GraphDef graph) {
        this.graph = graph;
        for (NodeDef n : graph.getNodeList()) nodes.put(n.getName(), n);
    }

    NodeDef node(String name) {
        NodeDef n = nodes.get(name);
        assertNotNull(n, "missing node " + name);
        return n;
    }

    String op(String name) {
        return node(name).getOp();
    }

    List<String> inputs(String name) {
        return node(name).getInputList();
    }

    Map<String, Integer> opCounts() {
        Map<String, Integer> m = new TreeMap<>();
        for (NodeDef n : graph.getNodeList()) m.merge(n.getOp(), 1, Integer::sum);
        return m;
    }

    long[] constShape(String name) {
        TensorShapeProto s = tensor(name).getTensorShape();
        long[] d = new long[s.getDimCount()];
        for (int i = 0; i < d.length; i++) d[i] = s.getDim(i).getSize();
        return d;
    }

    float[] floats(String name) {
        TensorProto t = tensor(name);
        assertEquals(DataType.DT_FLOAT, t.getDtype(), name);
        ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    int[] ints(String name) {
        TensorProto t = tensor(name);
        assertEquals(DataType.DT_INT32, t.getDtype(), name);
        if (t.getIntValCount() > 0) return t.getIntValList().stream().mapToInt(Integer::intValue).toArray();
        ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[b.remaining() / 4];
        b.asIntBuffer().get(v);
        return v;
    }

    private TensorProto tensor(String name) {
        NodeDef n = node(name);
        assertEquals("Const", n.getOp(), name);
        return n.getAttrOrThrow("value").getTensor();
    }
}
