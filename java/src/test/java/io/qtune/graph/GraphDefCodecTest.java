package io.qtune.graph;

import io.qtune.AtomicFiles;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.reference.ReferenceInterpreterTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

class GraphDefCodecTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryNodeAttributeAndConstant() throws Exception {
        Graph g = ReferenceInterpreterTest.everyOp();
        Path file = dir.resolve("g.pb");
        GraphDefCodec.write(g, file);
        Graph back = GraphDefCodec.read(file);
        assertEquals(g.size(), back.size());
        for (Node n : g.nodes()) {
            Node m = back.node(n.name());
            assertEquals(n.op(), m.op());
            assertEquals(n.inputs(), m.inputs());
            assertEquals(n.attrs().keySet(), m.attrs().keySet(), n.name());
            if (n.op().equals(Ops.CONST)) {
                Tensor a = n.attrTensor("value"), b = m.attrTensor("value");
                assertArrayEquals(a.shape(), b.shape());
                if (a.isFloat()) assertArrayEquals(a.floats(), b.floats());
                else assertArrayEquals(a.longs(), b.longs());
            }
        }
        assertArrayEquals(Files.readAllBytes(file), GraphDefCodec.toBytes(back), "same IR, same bytes");
    }

    @Test
    void readsSplatAndTypedValueTensorsAndDropsControlEdges() {
        GraphDef def = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder")
                        .putAttr("dtype", org.tensorflow.proto.AttrValue.newBuilder().setTypeValue(1).build()))
                .addNode(NodeDef.newBuilder().setName("c").setOp("Const").putAttr("value", org.tensorflow.proto.AttrValue.newBuilder()
                        .setTensor(org.tensorflow.proto.TensorProto.newBuilder().setDtypeValue(1)
                                .setTensorShape(org.tensorflow.proto.TensorShapeProto.newBuilder()
                                        .addDim(org.tensorflow.proto.TensorShapeProto.Dim.newBuilder().setSize(3)))
                                .addFloatVal(2.5f)).build()))
                .addNode(NodeDef.newBuilder().setName("y").setOp("Add").addInput("x").addInput("c").addInput("^x"))
                .build();
        Graph g = GraphDefCodec.fromGraphDef(def);
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, g.node("c").attrTensor("value").floats());
        assertEquals(2, g.node("y").inputs().size());
    }

    private QtuneException readError(byte[] bytes) throws Exception {
        Path f = dir.resolve("bad.pb");
        Files.write(f, bytes);
        return assertThrows(QtuneException.class, () -> GraphDefCodec.read(f));
    }

    @Test
    void truncatedFileIsNamed() throws Exception {
        byte[] good = GraphDefCodec.toBytes(ReferenceInterpreterTest.everyOp());
        QtuneException e = readError(Arrays.copyOf(good, good.length / 2));
        assertTrue(e.getMessage().contains("bad.pb"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void textAndEmptyFilesAreNotGraphDefs() throws Exception {
        assertTrue(readError("this is not a graph\n".getBytes()).getMessage().contains("not a TensorFlow GraphDef"));
        assertTrue(readError(new byte[0]).getMessage().contains("not a TensorFlow GraphDef"));
        QtuneException missing = assertThrows(QtuneException.class, () -> GraphDefCodec.read(dir.resolve("none.pb")));
        assertTrue(missing.getMessage().contains("none.pb"));
    }

    @Test
    void unsupportedOpNamesTheNode() {
        GraphDef def = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder"))
                .addNode(NodeDef.newBuilder().setName("block/gelu").setOp("Gelu").addInput("x")).build();
        QtuneException e = assertThrows(QtuneException.class, () -> GraphDefCodec.fromGraphDef(def));
        assertTrue(e.getMessage().contains("'block/gelu'") && e.getMessage().contains("Gelu"), e.getMessage());
    }

    @Test
    void danglingInputAndCycleNameTheNode() {
        GraphDef dangling = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("relu").setOp("Relu").addInput("missing:0")).build();
        QtuneException e = assertThrows(QtuneException.class, () -> GraphDefCodec.fromGraphDef(dangling));
        assertTrue(e.getMessage().contains("'relu'") && e.getMessage().contains("missing"), e.getMessage());

        GraphDef cycle = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder"))
                .addNode(NodeDef.newBuilder().setName("a").setOp("Add").addInput("x").addInput("b"))
                .addNode(NodeDef.newBuilder().setName("b").setOp("Relu").addInput("a")).build();
        e = assertThrows(QtuneException.class, () -> GraphDefCodec.fromGraphDef(cycle));
        assertTrue(e.getMessage().contains("cycle") && e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void atomicWriteLeavesNoPartialFile() throws Exception {
        Path target = dir.resolve("sub").resolve("out.pb");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        try (var s = Files.list(target.getParent())) {
            assertEquals(List.of(target), s.toList(), "no temp file left beside the output");
        }
    }
}
