package io.qtune.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.DebianFashionMnist;
import io.qtune.tf.TfModel;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.GraphDef;

/** The committed proxy model: MLPerf layout, provenance sidecar, and its accuracy in TF. */
class ProxyModelTest {
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": \"?([^\",\\n]+)\"?").matcher(json);
        assertTrue(m.find(), name + " in sidecar");
        return m.group(1);
    }

    @Test
    void layoutMatchesTheMlperfGraph() throws Exception {
        GraphDefView v = new GraphDefView(GraphDef.parseFrom(ProxyModel.bytes()));
        Map<String, Integer> counts = v.opCounts();
        assertEquals(53, counts.get("Conv2D"));
        assertEquals(53, counts.get("FusedBatchNorm"));
        assertEquals(16, counts.get("Add"));
        assertEquals(49, counts.get("Relu"));
        assertEquals(7, counts.get("Pad"));
        for (int i = 0; i < 53; i++) {
            String n = i == 0 ? "" : "_" + i;
            assertEquals("Conv2D", v.op("resnet_model/conv2d" + n + "/Conv2D"));
            assertEquals("FusedBatchNorm", v.op("resnet_model/batch_normalization" + n + "/FusedBatchNorm"));
        }
        for (int i = 0; i < 49; i++) assertEquals("Relu", v.op("resnet_model/Relu" + (i == 0 ? "" : "_" + i)));
        for (int i = 0; i < 16; i++) assertEquals("Add", v.op("resnet_model/add" + (i == 0 ? "" : "_" + i)));
        for (int i = 0; i < 7; i++) assertEquals("Pad", v.op("resnet_model/Pad" + (i == 0 ? "" : "_" + i)));
        assertEquals(List.of(-1L, (long) ProxyModel.IMAGE_SIZE, (long) ProxyModel.IMAGE_SIZE, 3L),
                v.node("input_tensor").getAttrOrThrow("shape").getShape().getDimList().stream().map(d -> d.getSize()).toList());
        assertArrayEquals(new long[] {256, ProxyModel.CLASSES}, v.constShape("resnet_model/dense/kernel"));
        assertEquals(List.of("resnet_model/final_dense"), v.inputs("softmax_tensor"));
        assertEquals(List.of("resnet_model/final_dense", "ArgMax/dimension"), v.inputs("ArgMax"));
        // the moving statistics are trained, not the initial 0/1
        float[] var = v.floats("resnet_model/batch_normalization_30/moving_variance");
        boolean trained = false;
        for (float x : var) trained |= Math.abs(x - 1) > 1e-3;
        assertTrue(trained);
    }

    @Test
    void sidecarDescribesTheCommittedFile() {
        String json = ProxyModel.sidecar();
        assertEquals(io.qtune.Sha256.hex(ProxyModel.bytes()), field(json, "sha256"));
        assertEquals(String.valueOf(ProxyModel.IMAGE_SIZE), field(json, "image_size"));
        assertEquals(String.valueOf(ProxyModel.WIDTH), field(json, "width_multiplier"));
        assertEquals(ProxyModel.RESIZE.name().toLowerCase(java.util.Locale.ROOT), field(json, "resize"));
        assertEquals(String.valueOf(ProxyModel.CLASSES), field(json, "classes"));
        assertTrue(Double.parseDouble(field(json, "test_top1")) >= 0.91, json);
        assertTrue(ProxyModel.bytes().length < 4_000_000, "proxy stays small: " + ProxyModel.bytes().length);
    }

    @Test
    void topOneInTfOnTheFirst2000TestImages() {
        DebianFashionMnist.assumeInstalled();
        try (TfModel tf = ProxyModel.load(2)) {
            double top1 = ProxyTrainer.top1(tf, ProxyModel.testData(), 2000);
            assertTrue(top1 >= 0.89, "proxy top-1 on the first 2000 test images: " + top1);
        }
    }
}
