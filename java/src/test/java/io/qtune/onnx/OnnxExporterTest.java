package io.qtune.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.qtune.QtuneException;
import io.qtune.bench.OrtModel;
import io.qtune.calib.TensorRange;
import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import io.qtune.export.Int8GraphWriter;
import io.qtune.quant.PlanDecisions;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import io.qtune.quant.OpPlan;
import io.qtune.quant.QuantPlan;
import io.qtune.zoo.ProxyModel;
import io.qtune.data.SyntheticImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ONNX exporter on the embedded proxy ResNet50: ONNX Runtime against qtune's engines, bytes, errors. */
class OnnxExporterTest {
    static final int SIZE = ProxyModel.IMAGE_SIZE;

    static Graph proxy() {
        return Passes.fuseForInference(GraphDefCodec.read(ProxyModel.file()));
    }

    /** The tensor the Softmax output reads: the logits. */
    static String logits(Graph fused) {
        Node softmax = fused.sinks().stream().filter(n -> n.op().equals(Ops.SOFTMAX)).findFirst().orElseThrow();
        return softmax.input(0).node();
    }

    /** A plan that puts every convolution and the max pool in INT8, with ranges measured by qtune's FP32 engine. */
    static QuantPlan minMaxPlan(Graph fused, float[] images, int batch) {
        List<String> tensors = fused.nodes().stream()
                .filter(n -> Ops.isConv(n.op()) || n.op().equals(Ops.MAX_POOL) || n.op().equals(Ops.PLACEHOLDER))
                .map(Node::name).toList();
        QuantPlan plan = QuantPlan.empty();
        try (Model m = Model.compile(fused, tensors)) {
            Outputs o = m.run(images, batch);
            for (String t : tensors) {
                float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
                for (float v : o.floats(t)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                plan = plan.withRange(t, new TensorRange(lo, hi));
                if (!fused.node(t).op().equals(Ops.PLACEHOLDER)) plan = plan.withOp(t, OpPlan.int8());
            }
        }
        return plan;
    }

    @Test
    void fp32LogitsMatchTheQtuneEngine(@TempDir Path dir) {
        Graph fused = proxy();
        String logits = logits(fused);
        Path onnx = dir.resolve("proxy.onnx");
        {
            OnnxExporter.Result r = new OnnxExporter().export(fused, null, List.of(logits));
            io.qtune.AtomicFiles.write(onnx, r.bytes());
        }
        int batch = 8;
        float[] images = SyntheticImages.batch(batch, SIZE, 5);
        float[] want;
        long[] wantClasses;
        try (Model m = Model.compile(fused, List.of(logits))) {
            Outputs o = m.run(images, batch);
            want = o.floats(logits);
            wantClasses = o.longs("ArgMax");
        }
        try (OrtModel ort = OrtModel.load(onnx, 2)) {
            Map<String, float[]> got = ort.run(images, new long[] {batch, SIZE, SIZE, 3}, List.of(logits, "ArgMax", "softmax_tensor"));
            assertEquals(batch * 11, got.get("softmax_tensor").length);
            assertRelativeClose(want, got.get(logits), 11, 1e-4);
            for (int i = 0; i < batch; i++) assertEquals(wantClasses[i], (long) got.get("ArgMax")[i], "class of image " + i);
        }
    }

    /**
     * Per image, max |a - b| <= tol * max |b|: both runtimes sum the same products in FP32 in different orders, a
     * few ulps (1e-7 relative) per accumulation over K <= 4608 terms, far inside 1e-4 of the largest logit.
     */
    static void assertRelativeClose(float[] want, float[] got, int classes, double tol) {
        assertEquals(want.length, got.length);
        for (int img = 0; img < want.length / classes; img++) {
            double scale = 0, diff = 0;
            for (int c = 0; c < classes; c++) {
                scale = Math.max(scale, Math.abs(want[img * classes + c]));
                diff = Math.max(diff, Math.abs(want[img * classes + c] - got[img * classes + c]));
            }
            assertTrue(scale > 0, "image " + img + " has all-zero logits");
            assertTrue(diff <= tol * scale, "image " + img + ": max |logit diff| " + diff + " > " + tol + " * " + scale);
        }
    }

    @Test
    void int8ModelLoadsAndFollowsTheInt8Engine(@TempDir Path dir) {
        Graph fused = proxy();
        int batch = 32;
        float[] calib = SyntheticImages.batch(batch, SIZE, 11);
        QuantPlan plan = minMaxPlan(fused, calib, batch);
        Path onnx = dir.resolve("proxy-int8.onnx"), pb = dir.resolve("proxy-int8.pb");
        OnnxExporter.Result r = new OnnxExporter().write(fused, new PlanDecisions(plan), onnx);
        assertEquals(List.of(), r.notes());
        new Int8GraphWriter().write(fused, new PlanDecisions(plan), pb);
        float[] images = SyntheticImages.batch(batch, SIZE, 12);
        float[] want;
        try (Model m = Model.load(pb)) {
            want = m.run(images, batch).floats("softmax_tensor");
        }
        try (OrtModel ort = OrtModel.load(onnx, 2)) {
            float[] got = ort.run(images, new long[] {batch, SIZE, SIZE, 3}, List.of("softmax_tensor")).get("softmax_tensor");
            double maxDiff = 0;
            for (int i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
            System.out.printf("proxy INT8, ORT vs qtune: max |softmax diff| %.4f over %d images%n", maxDiff, batch);
            // a few u8 steps of difference in the last activations move a softmax by a few hundredths at most
            assertTrue(maxDiff < 0.1, "max softmax difference " + maxDiff);
        }
    }

    /**
     * A mixed plan: per-tensor weights on some convolutions, two kept FP32 and one BF16 (both float in ONNX; qtune's
     * engine runs the BF16 one in bf16 where the CPU can, so it is compared as FP32 here: the plan marks it FP32 for
     * qtune and BF16 for the exporter). ONNX Runtime and qtune's INT8 engine still predict the same classes.
     */
    @Test
    void mixedPlanWithPerTensorWeightsAndFloatFallbacks(@TempDir Path dir) {
        Graph fused = proxy();
        int batch = 32;
        QuantPlan plan = minMaxPlan(fused, SyntheticImages.batch(batch, SIZE, 11), batch);
        List<String> convs = plan.ops().keySet().stream().filter(k -> Ops.isConv(fused.node(k).op())).toList();
        for (int i = 0; i < convs.size(); i += 3) plan = plan.withOp(convs.get(i), plan.op(convs.get(i)).withWeights(io.qtune.quant.WeightGranularity.PER_TENSOR));
        plan = plan.withOp(convs.get(1), plan.op(convs.get(1)).withPrecision(io.qtune.quant.Precision.FP32))
                .withOp(convs.get(20), plan.op(convs.get(20)).withPrecision(io.qtune.quant.Precision.FP32));
        QuantPlan forOnnx = plan.withOp(convs.get(30), plan.op(convs.get(30)).withPrecision(io.qtune.quant.Precision.BF16));
        QuantPlan forQtune = plan.withOp(convs.get(30), plan.op(convs.get(30)).withPrecision(io.qtune.quant.Precision.FP32));
        Path onnx = dir.resolve("mixed.onnx"), pb = dir.resolve("mixed.pb");
        new OnnxExporter().write(fused, new PlanDecisions(forOnnx), onnx);
        new Int8GraphWriter().write(fused, new PlanDecisions(forQtune), pb);
        float[] images = SyntheticImages.batch(batch, SIZE, 12);
        float[] want;
        try (Model m = Model.load(pb)) {
            want = m.run(images, batch).floats("softmax_tensor");
        }
        try (OrtModel ort = OrtModel.load(onnx, 2)) {
            float[] got = ort.run(images, new long[] {batch, SIZE, SIZE, 3}, List.of("softmax_tensor")).get("softmax_tensor");
            double maxDiff = 0;
            for (int i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
            System.out.printf("proxy mixed plan, ORT vs qtune: max |softmax diff| %.4f over %d images%n", maxDiff, batch);
            assertTrue(maxDiff < 0.1, "max softmax difference " + maxDiff);
        }
    }

    @Test
    void onnxRuntimeFusesTheQdqGroupsIntoInt8Kernels(@TempDir Path dir) throws Exception {
        Graph fused = proxy();
        QuantPlan plan = minMaxPlan(fused, SyntheticImages.batch(8, SIZE, 11), 8);
        // the proxy has 53 convolutions, 16 of them end a residual block (conv + add + relu)
        assertArrayEquals(new int[] {53, 16, 0}, optimizedOpCounts(fused, plan, OnnxExporter.ResidualAdd.INT8, dir));
        assertArrayEquals(new int[] {37, 0, 16}, optimizedOpCounts(fused, plan, OnnxExporter.ResidualAdd.FLOAT, dir));
    }

    /** QLinearConv, QLinearAdd and float Conv nodes in the model ONNX Runtime makes of the export. */
    private static int[] optimizedOpCounts(Graph fused, QuantPlan plan, OnnxExporter.ResidualAdd form, Path dir) throws Exception {
        Path onnx = dir.resolve(form + ".onnx"), optimized = dir.resolve(form + "-optimized.onnx");
        new OnnxExporter(form).write(fused, new PlanDecisions(plan), onnx);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            // extended = the level with the QDQ fusions, before layout changes that only run in memory
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            o.setOptimizedModelFilePath(optimized.toString());
            env.createSession(onnx.toString(), o).close();
        }
        String text = new String(Files.readAllBytes(optimized), StandardCharsets.ISO_8859_1);
        // NodeProto.op_type is field 4: tag 0x22, then the length, then the name
        int[] counts = {count(text, "\"\u000bQLinearConv"), count(text, "\"\nQLinearAdd"), count(text, "\"\u0004Conv")};
        System.out.printf("ONNX Runtime's optimized proxy, residual add %s: %d QLinearConv, %d QLinearAdd, %d float Conv%n",
                form, counts[0], counts[1], counts[2]);
        return counts;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    @Test
    void sameInputsGiveTheSameBytes() {
        Graph fused = proxy();
        QuantPlan plan = minMaxPlan(fused, SyntheticImages.batch(4, SIZE, 3), 4);
        assertArrayEquals(new OnnxExporter().export(fused, null).bytes(), new OnnxExporter().export(proxy(), null).bytes());
        assertArrayEquals(new OnnxExporter().export(fused, new PlanDecisions(plan)).bytes(),
                new OnnxExporter().export(fused, new PlanDecisions(QuantPlan.fromJson(plan.toJson(), "copy"))).bytes());
    }

    @Test
    void aMissingRangeNamesTheTensorAndWritesNothing(@TempDir Path dir) {
        Graph fused = proxy();
        QuantPlan plan = minMaxPlan(fused, SyntheticImages.batch(4, SIZE, 3), 4);
        QuantPlan broken = QuantPlan.empty();
        for (var op : plan.ops().entrySet()) broken = broken.withOp(op.getKey(), op.getValue());
        for (var r : plan.ranges().entrySet()) if (!r.getKey().equals("input_tensor")) broken = broken.withRange(r.getKey(), r.getValue());
        Path out = dir.resolve("x.onnx");
        QuantPlan b = broken;
        QtuneException e = assertThrows(QtuneException.class, () -> new OnnxExporter().write(fused, new PlanDecisions(b), out));
        assertTrue(e.getMessage().contains("'input_tensor'"), e.getMessage());
        assertTrue(!Files.exists(out));
    }
}
