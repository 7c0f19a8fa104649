package io.qtune.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.tf.TfModel;
import io.qtune.data.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

class ResNet50BuilderTest {
    static final int SIZE = 64;
    static final int CLASSES = 1001;
    static final ResNet50Spec SPEC = new ResNet50Spec(0.25, SIZE, CLASSES, 7);
    static ResNet50Builder.Model model;
    static GraphDefView view;
    static TfModel tf;

    @BeforeAll
    static void build() {
        model = ResNet50Builder.build(SPEC);
        view = new GraphDefView(model.graph());
        tf = TfModel.fromGraphDef(model.graph(), "resnet50 w0.25 s64", 2);
    }

    @AfterAll
    static void close() {
        if (tf != null) tf.close();
    }

    static String counted(String base, int i) {
        return "resnet_model/" + (i == 0 ? base : base + "_" + i);
    }

    @Test
    void opTypesAndCountsMatchMlperfLayout() {
        Map<String, Integer> counts = view.opCounts();
        assertEquals(53, counts.get("Conv2D"));
        assertEquals(53, counts.get("FusedBatchNorm"));
        assertEquals(16, counts.get("Add"));
        assertEquals(49, counts.get("Relu"));
        assertEquals(7, counts.get("Pad"));
        for (String one : List.of("Placeholder", "MaxPool", "Mean", "Squeeze", "MatMul", "BiasAdd", "Softmax", "ArgMax")) {
            assertEquals(1, counts.get(one), one);
        }
        // a /read Identity per variable: 53 kernels, 4 per batch norm, dense kernel and bias; plus final_dense
        assertEquals(53 + 53 * 4 + 2 + 1, counts.get("Identity"));
        Set<String> allowed = Set.of("Placeholder", "Const", "Identity", "Pad", "Conv2D", "FusedBatchNorm", "Relu", "Add",
                "MaxPool", "Mean", "Squeeze", "MatMul", "BiasAdd", "Softmax", "ArgMax");
        assertTrue(allowed.containsAll(counts.keySet()), counts.keySet().toString());
    }

    @Test
    void namesFollowTfOfficialCounters() {
        for (int i = 0; i < 53; i++) {
            String conv = counted("conv2d", i);
            String bn = counted("batch_normalization", i);
            assertEquals("Conv2D", view.op(conv + "/Conv2D"));
            assertEquals(List.of(conv + "/Conv2D", bn + "/gamma/read", bn + "/beta/read", bn + "/moving_mean/read",
                    bn + "/moving_variance/read"), view.inputs(bn + "/FusedBatchNorm"));
            for (String v : List.of("/gamma", "/beta", "/moving_mean", "/moving_variance")) {
                assertEquals("Const", view.op(bn + v));
                assertEquals(List.of(bn + v), view.inputs(bn + v + "/read"));
            }
            assertEquals(List.of(conv + "/kernel"), view.inputs(conv + "/kernel/read"));
            NodeDef fbn = view.node(bn + "/FusedBatchNorm");
            assertFalse(fbn.getAttrOrThrow("is_training").getB());
            assertEquals(1.001e-5f, fbn.getAttrOrThrow("epsilon").getF());
            assertEquals("NHWC", fbn.getAttrOrThrow("data_format").getS().toStringUtf8());
        }
        for (int i = 0; i < 49; i++) assertEquals("Relu", view.op(counted("Relu", i)));
        for (int i = 0; i < 16; i++) assertEquals("Add", view.op(counted("add", i)));
        assertFalse(view.nodes.containsKey("resnet_model/conv2d_53/Conv2D"));
        assertFalse(view.nodes.containsKey("resnet_model/Relu_49"));
        assertFalse(view.nodes.containsKey("resnet_model/add_16"));
    }

    @Test
    void stemAndHeadAreWiredLikeTheMlperfGraph() {
        NodeDef in = view.node("input_tensor");
        assertEquals("Placeholder", in.getOp());
        assertEquals(DataType.DT_FLOAT, in.getAttrOrThrow("dtype").getType());
        assertEquals(List.of(-1L, 64L, 64L, 3L), in.getAttrOrThrow("shape").getShape().getDimList().stream()
                .map(d -> d.getSize()).toList());

        assertEquals(List.of("input_tensor", "resnet_model/Pad/paddings"), view.inputs("resnet_model/Pad"));
        assertArrayEquals(new int[] {0, 0, 3, 3, 3, 3, 0, 0}, view.ints("resnet_model/Pad/paddings"));
        assertEquals(List.of("resnet_model/Pad", "resnet_model/conv2d/kernel/read"), view.inputs("resnet_model/conv2d/Conv2D"));
        assertArrayEquals(new long[] {7, 7, 3, 16}, view.constShape("resnet_model/conv2d/kernel"));
        assertEquals(List.of("resnet_model/batch_normalization/FusedBatchNorm"), view.inputs("resnet_model/Relu"));
        NodeDef pool = view.node("resnet_model/max_pooling2d/MaxPool");
        assertEquals(List.of("resnet_model/Relu"), pool.getInputList());
        assertEquals(List.of(1L, 3L, 3L, 1L), pool.getAttrOrThrow("ksize").getList().getIList());
        assertEquals(List.of(1L, 2L, 2L, 1L), pool.getAttrOrThrow("strides").getList().getIList());
        assertEquals("SAME", pool.getAttrOrThrow("padding").getS().toStringUtf8());

        NodeDef mean = view.node("resnet_model/Mean");
        assertEquals(List.of("resnet_model/Relu_48", "resnet_model/Mean/reduction_indices"), mean.getInputList());
        assertArrayEquals(new int[] {1, 2}, view.ints("resnet_model/Mean/reduction_indices"));
        assertTrue(mean.getAttrOrThrow("keep_dims").getB());
        NodeDef squeeze = view.node("resnet_model/Squeeze");
        assertEquals(List.of("resnet_model/Mean"), squeeze.getInputList());
        assertEquals(List.of(1L, 2L), squeeze.getAttrOrThrow("squeeze_dims").getList().getIList());
        assertEquals(List.of("resnet_model/Squeeze", "resnet_model/dense/kernel/read"), view.inputs("resnet_model/dense/MatMul"));
        assertArrayEquals(new long[] {512, CLASSES}, view.constShape("resnet_model/dense/kernel"));
        assertEquals(List.of("resnet_model/dense/MatMul", "resnet_model/dense/bias/read"), view.inputs("resnet_model/dense/BiasAdd"));
        assertEquals(List.of("resnet_model/dense/BiasAdd"), view.inputs("resnet_model/final_dense"));
        assertEquals("Identity", view.op("resnet_model/final_dense"));
        assertEquals(List.of("resnet_model/final_dense"), view.inputs("softmax_tensor"));
        assertEquals("Softmax", view.op("softmax_tensor"));
        NodeDef argmax = view.node("ArgMax");
        assertEquals(List.of("resnet_model/final_dense", "ArgMax/dimension"), argmax.getInputList());
        assertEquals(DataType.DT_INT64, argmax.getAttrOrThrow("output_type").getType());
        assertArrayEquals(new int[] {1}, view.ints("ArgMax/dimension"));
    }

    @Test
    void strideTwoSitsOnTheThreeByThreeAndProjectionBehindExplicitPads() {
        // Pad name -> (conv it feeds, padding before/after); the 1x1 stride-2 projections get all-zero pads
        Object[][] pads = {
            {"resnet_model/Pad", 0, 3}, {"resnet_model/Pad_1", 11, 0}, {"resnet_model/Pad_2", 13, 1},
            {"resnet_model/Pad_3", 24, 0}, {"resnet_model/Pad_4", 26, 1}, {"resnet_model/Pad_5", 43, 0},
            {"resnet_model/Pad_6", 45, 1},
        };
        Set<Integer> strided = new HashSet<>();
        for (Object[] p : pads) {
            String pad = (String) p[0];
            int conv = (Integer) p[1];
            int amount = (Integer) p[2];
            strided.add(conv);
            assertEquals(pad, view.inputs(counted("conv2d", conv) + "/Conv2D").get(0));
            assertArrayEquals(new int[] {0, 0, amount, amount, amount, amount, 0, 0}, view.ints(pad + "/paddings"), pad);
        }
        // projections (1x1 shortcut convs) are the first conv of each stage: 1, 11, 24, 43
        for (int proj : new int[] {1, 11, 24, 43}) {
            assertArrayEquals(new long[] {1, 1}, Arrays.copyOf(view.constShape(counted("conv2d", proj) + "/kernel"), 2));
        }
        for (int i = 0; i < 53; i++) {
            NodeDef conv = view.node(counted("conv2d", i) + "/Conv2D");
            long stride = strided.contains(i) ? 2 : 1;
            assertEquals(List.of(1L, stride, stride, 1L), conv.getAttrOrThrow("strides").getList().getIList(), conv.getName());
            assertEquals(strided.contains(i) ? "VALID" : "SAME", conv.getAttrOrThrow("padding").getS().toStringUtf8(), conv.getName());
        }
        // stride 2 on the 3x3 (v1.5), not on the first 1x1
        assertArrayEquals(new long[] {3, 3, 32, 32}, view.constShape("resnet_model/conv2d_13/kernel"));
        assertArrayEquals(new long[] {1, 1, 64, 32}, view.constShape("resnet_model/conv2d_12/kernel"));
    }

    @Test
    void residualAddsTakeBlockOutputThenShortcut() {
        // block 1: projection is conv 1, main path 2-4; block 2: convs 5-7 with the identity shortcut Relu_3
        assertEquals(List.of("resnet_model/batch_normalization_4/FusedBatchNorm",
                "resnet_model/batch_normalization_1/FusedBatchNorm"), view.inputs("resnet_model/add"));
        assertEquals(List.of("resnet_model/add"), view.inputs("resnet_model/Relu_3"));
        assertEquals(List.of("resnet_model/batch_normalization_7/FusedBatchNorm", "resnet_model/Relu_3"),
                view.inputs("resnet_model/add_1"));
        assertEquals(List.of("resnet_model/add_15"), view.inputs("resnet_model/Relu_48"));
        assertEquals(List.of("resnet_model/Relu_45", "resnet_model/conv2d_50/kernel/read"),
                view.inputs("resnet_model/conv2d_50/Conv2D"));
        assertEquals(List.of("resnet_model/batch_normalization_52/FusedBatchNorm", "resnet_model/Relu_45"),
                view.inputs("resnet_model/add_15"));
    }

    @Test
    void tfOutputMatchesAnIndependentScalarReference() {
        int n = 2;
        float[] images = SyntheticImages.batch(n, SIZE, 99);
        Map<String, TfModel.Output> out = tf.runOutputs("input_tensor", images, new long[] {n, SIZE, SIZE, 3},
                List.of("resnet_model/final_dense", "softmax_tensor", "ArgMax"));
        float[] logits = out.get("resnet_model/final_dense").values();
        assertArrayEquals(new long[] {n, CLASSES}, out.get("softmax_tensor").shape());
        ReferenceResNet50 ref = new ReferenceResNet50(view, 1.001e-5);
        int hwc = SIZE * SIZE * 3;
        for (int i = 0; i < n; i++) {
            float[] expect = ref.logits(Arrays.copyOfRange(images, i * hwc, (i + 1) * hwc), SIZE);
            float[] got = Arrays.copyOfRange(logits, i * CLASSES, (i + 1) * CLASSES);
            for (int c = 0; c < CLASSES; c++) {
                assertEquals(expect[c], got[c], 2e-3 + 2e-4 * Math.abs(expect[c]), "image " + i + " class " + c);
            }
            int arg = argmax(got);
            assertEquals(arg, (int) out.get("ArgMax").values()[i]);
            double sum = 0;
            for (int c = 0; c < CLASSES; c++) sum += out.get("softmax_tensor").values()[i * CLASSES + c];
            assertEquals(1.0, sum, 1e-4);
        }
    }

    @Test
    void movingStatisticsAreTheBatchMomentsOfTheCalibrationImages() {
        ResNet50Topology topo = model.topology();
        float[] images = ResNet50Builder.calibrationBatch(topo);
        int n = ResNet50Builder.calibrationImages(topo);
        List<String> convs = List.of("resnet_model/conv2d/Conv2D", "resnet_model/conv2d_26/Conv2D", "resnet_model/conv2d_52/Conv2D");
        Map<String, TfModel.Output> out = tf.runOutputs("input_tensor", images, new long[] {n, SIZE, SIZE, 3}, convs);
        for (String name : convs) {
            String bn = name.replace("conv2d", "batch_normalization").replace("/Conv2D", "");
            TfModel.Output o = out.get(name);
            int ch = o.dim(3);
            double[] mean = new double[ch];
            double[] sq = new double[ch];
            int count = o.values().length / ch;
            for (int i = 0; i < o.values().length; i++) mean[i % ch] += o.values()[i] / (double) count;
            for (int i = 0; i < o.values().length; i++) {
                double d = o.values()[i] - mean[i % ch];
                sq[i % ch] += d * d / count;
            }
            float[] mm = view.floats(bn + "/moving_mean");
            float[] mv = view.floats(bn + "/moving_variance");
            for (int c = 0; c < ch; c++) {
                double scale = Math.sqrt(sq[c]);
                assertEquals(mean[c], mm[c], 1e-3 * scale + 1e-6, bn + " mean " + c);
                assertEquals(sq[c], mv[c], 2e-3 * sq[c] + 1e-9, bn + " variance " + c);
            }
        }
    }

    @Test
    void everyReluIsAliveAndBoundedOnFreshImages() {
        int n = 8;
        float[] images = SyntheticImages.batch(n, SIZE, 4242);
        List<String> relus = new ArrayList<>();
        for (int i = 0; i < 49; i++) relus.add(counted("Relu", i));
        Map<String, float[]> out = tf.run("input_tensor", images, new long[] {n, SIZE, SIZE, 3}, relus);
        for (String r : relus) {
            float[] v = out.get(r);
            int positive = 0;
            float max = 0;
            for (float x : v) {
                assertTrue(Float.isFinite(x), r);
                if (x > 0) positive++;
                max = Math.max(max, x);
            }
            double frac = positive / (double) v.length;
            assertTrue(frac > 0.05 && frac < 0.95, r + " positive fraction " + frac);
            assertTrue(max > 0.1 && max < 1000, r + " max " + max);
        }
    }

    @Test
    void logitsSpreadOverAFewUnitsWithAClearTopOne() {
        int n = 16;
        float[] images = SyntheticImages.batch(n, SIZE, 777);
        float[] logits = tf.run("input_tensor", images, new long[] {n, SIZE, SIZE, 3}, List.of("resnet_model/final_dense"))
                .get("resnet_model/final_dense");
        int clear = 0;
        Set<Integer> winners = new HashSet<>();
        double[] spread = new double[n];
        for (int i = 0; i < n; i++) {
            float[] l = Arrays.copyOfRange(logits, i * CLASSES, (i + 1) * CLASSES);
            float[] sorted = l.clone();
            Arrays.sort(sorted);
            if (sorted[CLASSES - 1] - sorted[CLASSES - 2] > 0.02) clear++;
            winners.add(argmax(l));
            double m = 0;
            for (float x : l) m += x / CLASSES;
            double ss = 0;
            for (float x : l) ss += (x - m) * (x - m) / CLASSES;
            spread[i] = Math.sqrt(ss);
        }
        Arrays.sort(spread);
        assertTrue(clear >= 14, "images with top-1 clear of top-2 by 0.02: " + clear);
        assertTrue(spread[n / 2] > 1 && spread[n / 2] < 10, "median logit spread " + spread[n / 2]);
        assertTrue(winners.size() >= 4, "distinct winning classes " + winners);
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes(@TempDir Path dir) throws Exception {
        ResNet50Spec small = new ResNet50Spec(0.125, 32, 11, 3);
        Path a = dir.resolve("a.pb");
        Path b = dir.resolve("b.pb");
        Path c = dir.resolve("c.pb");
        ResNet50Builder.write(ResNet50Builder.build(small).graph(), a);
        ResNet50Builder.write(ResNet50Builder.build(small).graph(), b);
        ResNet50Builder.write(ResNet50Builder.build(small.withSeed(4)).graph(), c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
        try (var files = Files.list(dir)) {
            assertEquals(Set.of("a.pb", "b.pb", "c.pb"), files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                    "no temp files left behind");
        }
    }

    @Test
    void badSpecsAreRejectedNamingTheOption() {
        assertTrue(assertThrows(QtuneException.class, () -> new ResNet50Spec(0, 224, 1001, 0)).getMessage().contains("widthMultiplier must"));
        assertTrue(assertThrows(QtuneException.class, () -> new ResNet50Spec(-0.5, 224, 1001, 0)).getMessage().contains("widthMultiplier must"));
        assertTrue(assertThrows(QtuneException.class, () -> new ResNet50Spec(Double.NaN, 224, 1001, 0)).getMessage().contains("widthMultiplier must"));
        assertTrue(assertThrows(QtuneException.class, () -> new ResNet50Spec(1, 31, 1001, 0)).getMessage().contains("imageSize must"));
        assertTrue(assertThrows(QtuneException.class, () -> new ResNet50Spec(1, 224, 0, 0)).getMessage().contains("classes must"));
        new ResNet50Spec(1, 32, 1, 0); // smallest accepted
    }

    @Test
    void suppliedWeightsOfTheWrongSizeNameTheLayer() {
        ResNet50Spec s = new ResNet50Spec(0.125, 32, 11, 0);
        ResNet50Topology topo = new ResNet50Topology(s);
        List<float[]> kernels = new ArrayList<>();
        List<ResNet50Weights.BatchNorm> bns = new ArrayList<>();
        for (ResNet50Topology.Conv c : topo.convs()) {
            kernels.add(new float[c.index() == 13 ? c.kernelSize() - 1 : c.kernelSize()]);
            float[] ones = new float[c.outChannels()];
            Arrays.fill(ones, 1);
            bns.add(new ResNet50Weights.BatchNorm(ones, new float[c.outChannels()], new float[c.outChannels()], ones));
        }
        ResNet50Weights w = ResNet50Weights.of(kernels, bns, new float[topo.finalChannels() * 11], new float[11]);
        QtuneException e = assertThrows(QtuneException.class, () -> ResNet50Builder.build(s, w));
        assertTrue(e.getMessage().contains("resnet_model/conv2d_13/kernel"), e.getMessage());
    }

    @Test
    void fullSizeTopologyHasPublishedSize() {
        ResNet50Topology full = new ResNet50Topology(ResNet50Spec.mlperf());
        // ResNet50 has 25,557,032 trainable parameters with 1000 classes; the 1001st class adds 2048 + 1
        assertEquals(25_557_032L + 2049, full.parameterCount());
        // 4.09 GMAC for v1.5 (v1, with the stride on the first 1x1, would be about 3.86)
        assertEquals(4.09e9, full.macsPerImage(), 0.01e9);
        assertEquals(2048, full.finalChannels());
        assertEquals(7, full.finalSize());
        assertEquals(53, full.convs().size());
    }

    static int argmax(float[] v) {
        int a = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[a]) a = i;
        return a;
    }
}
