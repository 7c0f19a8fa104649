package io.qtune.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.qtune.QtuneException;
import io.qtune.platform.TfOnednn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

class TfModelTest {
    /** x [N,3] float -> y = x * w (w = [2, -1, 0.5]) -> ArgMax over axis 1 (int64), plus Shape of y (int32). */
    static GraphDef tinyGraph() {
        GraphDef.Builder g = GraphDef.newBuilder();
        g.addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()));
        ByteBuffer w = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        w.putFloat(2f).putFloat(-1f).putFloat(0.5f);
        g.addNode(NodeDef.newBuilder().setName("w").setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
                        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(3)))
                        .setTensorContent(ByteString.copyFrom(w.array()))).build()));
        g.addNode(NodeDef.newBuilder().setName("y").setOp("Mul").addInput("x").addInput("w")
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()));
        g.addNode(NodeDef.newBuilder().setName("axis").setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_INT32)
                        .setTensorShape(TensorShapeProto.getDefaultInstance()).addIntVal(1)).build()));
        g.addNode(NodeDef.newBuilder().setName("ArgMax").setOp("ArgMax").addInput("y").addInput("axis")
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                .putAttr("Tidx", AttrValue.newBuilder().setType(DataType.DT_INT32).build())
                .putAttr("output_type", AttrValue.newBuilder().setType(DataType.DT_INT64).build()));
        g.addNode(NodeDef.newBuilder().setName("Shape").setOp("Shape").addInput("y")
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                .putAttr("out_type", AttrValue.newBuilder().setType(DataType.DT_INT32).build()));
        return g.build();
    }

    @Test
    void runsAndConvertsIntegerOutputsToFloat() {
        float[] x = {1, 2, 3, -4, -5, 6};
        try (TfModel m = TfModel.fromBytes(tinyGraph().toByteArray(), "tiny.pb", 1)) {
            Map<String, TfModel.Output> out = m.runOutputs("x", x, new long[] {2, 3}, List.of("y", "ArgMax:0", "Shape"));
            assertArrayEquals(new long[] {2, 3}, out.get("y").shape());
            assertArrayEquals(new float[] {2, -2, 1.5f, -8, 5, 3}, out.get("y").values());
            // row 0: max of (2, -2, 1.5) at 0; row 1: max of (-8, 5, 3) at 1
            assertArrayEquals(new float[] {0, 1}, out.get("ArgMax:0").values());
            assertArrayEquals(new long[] {2}, out.get("ArgMax:0").shape());
            assertArrayEquals(new float[] {2, 3}, out.get("Shape").values());

            Map<String, float[]> plain = m.run("x", x, new long[] {2, 3}, List.of("ArgMax"));
            assertArrayEquals(new float[] {0, 1}, plain.get("ArgMax"));
            assertTrue(m.hasNode("ArgMax"));
            assertFalse(m.hasNode("nope"));
            assertEquals("Mul", m.opType("y"));
        }
    }

    @Test
    void loadsFromFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tiny.pb");
        Files.write(f, tinyGraph().toByteArray());
        try (TfModel m = TfModel.load(f, 0)) {
            assertArrayEquals(new float[] {2}, m.run("x", new float[] {0, 0, 4}, new long[] {1, 3}, List.of("ArgMax")).get("ArgMax"));
        }
    }

    @Test
    void wrongInputNameNamesTheNodeAndModel() {
        try (TfModel m = TfModel.fromGraphDef(tinyGraph(), "tiny.pb", 1)) {
            QtuneException e = assertThrows(QtuneException.class,
                    () -> m.run("input_tensor", new float[3], new long[] {1, 3}, List.of("ArgMax")));
            assertTrue(e.getMessage().contains("input_tensor") && e.getMessage().contains("tiny.pb"), e.getMessage());
            e = assertThrows(QtuneException.class, () -> m.run("x", new float[3], new long[] {1, 3}, List.of("softmax")));
            assertTrue(e.getMessage().contains("softmax"), e.getMessage());
            e = assertThrows(QtuneException.class, () -> m.run("x", new float[4], new long[] {1, 3}, List.of("y")));
            assertTrue(e.getMessage().contains("needs 3 values"), e.getMessage());
        }
    }

    @Test
    void wrongInputShapeIsReportedByTfInOneLine() {
        try (TfModel m = TfModel.fromGraphDef(tinyGraph(), "tiny.pb", 1)) {
            // [3,1] * [3] broadcasts to [3,3]; [2,2] * [3] cannot broadcast
            QtuneException e = assertThrows(QtuneException.class,
                    () -> m.run("x", new float[4], new long[] {2, 2}, List.of("y")));
            assertTrue(e.getMessage().startsWith("TensorFlow failed to run model tiny.pb: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void badBytesGiveAClearError(@TempDir Path dir) throws Exception {
        QtuneException e = assertThrows(QtuneException.class,
                () -> TfModel.fromBytes(new byte[] {(byte) 0xff, 0x01, 0x02, 0x03, 0x04}, "garbage.pb", 1));
        assertTrue(e.getMessage().contains("garbage.pb"), e.getMessage());

        e = assertThrows(QtuneException.class, () -> TfModel.fromBytes(new byte[0], "empty.pb", 1));
        assertTrue(e.getMessage().contains("empty.pb"), e.getMessage());

        Path missing = dir.resolve("missing.pb");
        e = assertThrows(QtuneException.class, () -> TfModel.load(missing, 1));
        assertTrue(e.getMessage().contains("missing.pb"), e.getMessage());
    }

    @Test
    void graphTfRejectsNamesTfReason() {
        GraphDef bad = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("y").setOp("Relu").addInput("nowhere")
                        .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()))
                .build();
        QtuneException e = assertThrows(QtuneException.class, () -> TfModel.fromGraphDef(bad, "dangling.pb", 1));
        assertTrue(e.getMessage().startsWith("TensorFlow rejected model dangling.pb: "), e.getMessage());
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());

        GraphDef unknownOp = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("z").setOp("NoSuchOpAnywhere")).build();
        e = assertThrows(QtuneException.class, () -> TfModel.fromGraphDef(unknownOp, "unknown-op.pb", 1));
        assertTrue(e.getMessage().contains("NoSuchOpAnywhere"), e.getMessage());
    }

    /**
     * A bfloat16 graph either runs or is refused up front with the reason, never a dead JVM: below AVX-512 with its
     * oneDNN on, TF aborts the process on a bf16 convolution (the AVX2 variant run of java/pom.xml, which sets
     * TF_ENABLE_ONEDNN_OPTS=1, shows the refusal; with the variable unset qtune starts TF with it off for a bf16
     * graph that comes first, and refuses it only when an earlier graph started TF with it on).
     */
    @Test
    void aBf16GraphRunsOrIsRefusedWithTheReason() {
        byte[] bf16 = io.qtune.graph.GraphDefCodec.toBytes(io.qtune.graph.passes.Passes.convertToBf16(
                io.qtune.graph.GraphDefCodec.fromBytes(io.qtune.zoo.ProxyModel.bytes(), "proxy")));
        String refusal = TfOnednn.refusal(TfOnednn.Kind.BF16, "proxy-bf16.pb");
        if (refusal != null) {
            QtuneException e = assertThrows(TfModel.OnednnSettingRefusal.class, () -> TfModel.fromBytes(bf16, "proxy-bf16.pb", 2));
            assertEquals(refusal, e.getMessage());
            assertTrue(refusal.startsWith("TensorFlow cannot run bfloat16 model proxy-bf16.pb with its oneDNN "
                    + "optimizations on (") && refusal.contains("TF_ENABLE_ONEDNN_OPTS=0"), refusal);
        } else {
            try (TfModel m = TfModel.fromBytes(bf16, "proxy-bf16.pb", 2)) {
                float[] images = new float[2 * 48 * 48 * 3];
                assertEquals(2, m.run("input_tensor", images, new long[] {2, 48, 48, 3}, List.of("ArgMax")).get("ArgMax").length);
            }
        }
    }

    /** Only Intel's fused quantized ops need TF's oneDNN; TF's own quantize ops and bf16 types are told apart. */
    @Test
    void kindTellsWhatAGraphNeedsOfTfsOnednnSetting() {
        assertEquals(TfOnednn.Kind.FP32, TfModel.kind(tinyGraph()));
        for (String op : List.of("QuantizedConv2DWithBiasAndReluAndRequantize", "QuantizedConv2DWithBiasSignedSumAndReluAndRequantize",
                "QuantizedMatMulWithBiasAndDequantize", "QuantizedConv2DAndRequantize", "QuantizedConv2DPerChannel",
                "QuantizedDepthwiseConv2D", "QuantizedConcatV2", "_QuantizedConv2D")) {
            assertEquals(TfOnednn.Kind.INT8, TfModel.kind(withNode(tinyGraph(), op, DataType.DT_FLOAT)), op);
        }
        for (String op : List.of("QuantizeV2", "Dequantize", "QuantizedMaxPool", "QuantizedAvgPool", "QuantizedConv2D", "Requantize")) {
            assertEquals(TfOnednn.Kind.FP32, TfModel.kind(withNode(tinyGraph(), op, DataType.DT_FLOAT)), op);
        }
        assertEquals(TfOnednn.Kind.BF16, TfModel.kind(withNode(tinyGraph(), "Cast", DataType.DT_BFLOAT16)));
        // INT8 wins: its ops need oneDNN on whatever else the graph holds
        assertEquals(TfOnednn.Kind.INT8, TfModel.kind(withNode(withNode(tinyGraph(), "Cast", DataType.DT_BFLOAT16),
                "QuantizedConv2DWithBiasAndRequantize", DataType.DT_FLOAT)));
    }

    private static GraphDef withNode(GraphDef g, String op, DataType t) {
        return g.toBuilder().addNode(NodeDef.newBuilder().setName("extra_" + g.getNodeCount()).setOp(op)
                .putAttr("T", AttrValue.newBuilder().setType(t).build())).build();
    }
}
