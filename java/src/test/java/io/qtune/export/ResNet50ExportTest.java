package io.qtune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.reference.ReferenceInterpreter;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.TfInt8Reference;
import io.qtune.testing.TfReference;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import io.qtune.data.SyntheticImages;
import io.qtune.reference.Int8ReferenceInterpreter;
import io.qtune.semantics.Int8Semantics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exporter on the MLPerf-layout ResNet50-v1.5 (width 0.25, 64x64, 1001 classes) with data-calibrated weights. */
class ResNet50ExportTest {
    static final int SIZE = 64;
    static final String INPUT = "input_tensor";

    @Test
    void int8ResNet50RunsInTensorFlowTracksFp32AndMatchesTheJavaReference() {
        ResNet50Spec spec = ResNet50Spec.mlperf().withWidthMultiplier(0.25).withImageSize(SIZE);
        Graph fp32 = GraphDefCodec.fromGraphDef(ResNet50Builder.build(spec).graph());
        Graph fused = Passes.fuseForInference(fp32);

        // calibration: min/max over 16 synthetic images, as Intel's minmax over its calibration batches
        Map<String, float[]> ranges = new HashMap<>();
        for (int batch = 0; batch < 2; batch++) {
            long[] shape = {8, SIZE, SIZE, 3};
            float[] data = SyntheticImages.batch(8, SIZE, 100 + batch);
            new ReferenceInterpreter(fused).runAll(Map.of(INPUT, new ReferenceInterpreter.Value(shape, data))).forEach((ref, v) -> {
                float[] mm = ranges.computeIfAbsent(ref.toString(), k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
                for (float x : v.data()) {
                    mm[0] = Math.min(mm[0], x);
                    mm[1] = Math.max(mm[1], x);
                }
            });
        }
        MinMaxDecisions decisions = new MinMaxDecisions(ranges, Set.of(), true);
        Int8GraphWriter.Result r = new Int8GraphWriter().convert(fused, decisions);
        Graph int8 = r.graph();
        Map<String, Integer> ops = int8.opCounts();
        System.out.println("INT8 ResNet50 ops: " + ops);
        assertTrue(r.notes().isEmpty(), r.notes().toString());
        assertEquals(1, ops.get(Ops.QUANTIZE_V2));
        assertEquals(1, ops.get(Ops.QUANTIZED_MAX_POOL));
        assertEquals(1, ops.get(Ops.DEQUANTIZE));
        assertEquals(33, ops.get(Ops.QCONV_BIAS_RELU_REQUANTIZE));
        assertEquals(4, ops.get(Ops.QCONV_BIAS_REQUANTIZE));
        assertEquals(4, ops.get(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE));
        assertEquals(12, ops.get(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE));
        assertEquals(DType.QINT8, int8.node("resnet_model/Relu_eightbit_quantized_conv").attrType("Tinput"));
        assertEquals(List.of(0L, 0L, 3L, 3L, 3L, 3L, 0L, 0L), java.util.Arrays.stream(
                int8.node("resnet_model/Relu_eightbit_quantized_conv").attrLongs("padding_list")).boxed().toList());

        // INT8 in TF against FP32 in TF on 32 fresh images
        long[] shape = {32, SIZE, SIZE, 3};
        float[] images = SyntheticImages.batch(32, SIZE, 7);
        var ref = TfReference.run(fp32, INPUT, images, shape, List.of("softmax_tensor", "ArgMax"));
        var tf = TfReference.run(int8, INPUT, images, shape, List.of("softmax_tensor", "ArgMax"));
        int agree = 0;
        for (int i = 0; i < 32; i++) if (ref.get("ArgMax")[i] == tf.get("ArgMax")[i]) agree++;
        float diff = GraphBuilder.maxAbsDiff(ref.get("softmax_tensor"), tf.get("softmax_tensor"));
        float maxProb = 0;
        for (float p : ref.get("softmax_tensor")) maxProb = Math.max(maxProb, p);
        System.out.println("ResNet50 INT8 (TF) vs FP32 (TF), 32 images: top-1 agreement " + agree + "/32, max |softmax diff| "
                + diff + " (largest FP32 probability " + maxProb + ")");
        // Printed, not asserted: the synthetic weights amplify any perturbation (1.2% rms noise added to the stem output
        // alone grows to 33% at the last block in pure FP32, measured), so end-to-end agreement here measures this
        // model's chaos and the CPU's TF kernels (11-12 of 32 on AMD and Intel), not the exporter. What the exporter
        // controls is asserted below: every quantized tensor exact against the Java INT8 reference, and the stem's
        // error. The end-to-end INT8-vs-FP32 claim is asserted on the trained proxy (ProxyInt8AgreementTest).

        // every quantized tensor, layer by layer, against the Java INT8 reference (4 images)
        long[] small = {4, SIZE, SIZE, 3};
        float[] four = java.util.Arrays.copyOf(images, 4 * SIZE * SIZE * 3);
        Map<String, DType> fetches = Int8GraphWriterTest.quantizedOutputs(int8);
        var tfq = TfInt8Reference.run(int8, INPUT, four, small, fetches);
        Map<TensorRef, Int8ReferenceInterpreter.Value> tfValues = new LinkedHashMap<>();
        fetches.forEach((k, t) -> tfValues.put(new TensorRef(k, 0),
                new Int8ReferenceInterpreter.Value(tfq.get(k).shape(), t, tfq.get(k).values())));
        var mine = new Int8ReferenceInterpreter(int8).runAll(Map.of(INPUT, new ReferenceInterpreter.Value(small, four)), tfValues);
        Int8ReferenceInterpreterTest.Tally all = new Int8ReferenceInterpreterTest.Tally();
        for (String q : fetches.keySet()) all.add(q, tfq.get(q).values(), mine.get(new TensorRef(q, 0)).data());
        System.out.println("ResNet50, " + fetches.size() + " quantized tensors layer by layer: " + all);
        assertEquals(0, all.worse, all.toString());

        // TF's INT8 activations against FP32 ones: the error starts at 8-bit rounding and grows with depth
        var f = new ReferenceInterpreter(fused).runAll(Map.of(INPUT, new ReferenceInterpreter.Value(small, four)));
        for (String t : List.of("resnet_model/Relu", "resnet_model/Relu_3", "resnet_model/Relu_12", "resnet_model/Relu_24",
                "resnet_model/Relu_42", "resnet_model/Relu_48")) {
            String qn = t + "_eightbit_quantized_conv";
            float scale = Int8Semantics.dequantizeScale(fetches.get(qn), mine.get(new TensorRef(qn, 1)).data()[0], mine.get(new TensorRef(qn, 2)).data()[0]);
            float[] q = tfq.get(qn).values(), x = f.get(new TensorRef(t, 0)).data();
            double num = 0, den = 0;
            for (int i = 0; i < x.length; i++) {
                num += (q[i] * scale - x[i]) * (q[i] * scale - x[i]);
                den += (double) x[i] * x[i];
            }
            double rel = Math.sqrt(num / den);
            System.out.printf("ResNet50 %s: INT8 (TF) vs FP32 relative rms error %.4f%n", t, rel);
            if (t.equals("resnet_model/Relu")) assertTrue(rel < 0.02, "stem error " + rel);
        }
    }
}
