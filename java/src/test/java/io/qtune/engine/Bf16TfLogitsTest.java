package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.SyntheticImages;
import io.qtune.graph.Bfloat16;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.Cpu;
import io.qtune.testing.TfReference;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The oneDNN engine against stock TensorFlow on the BF16 GraphDef of the full-size zoo ResNet50 (MLPerf layout,
 * width 1.0, 224x224, 1001 classes), 8 images: the logits, tensor against tensor, within a bound worked out from
 * bfloat16's unit roundoff for the tail both compute, given the tensor that enters the tail.
 */
class Bf16TfLogitsTest {
    static final int SIZE = 224;
    static final int BATCH = 8;
    static final String INPUT = "input_tensor";
    /** Unit roundoff of float32 and of bfloat16 (8 significant bits). */
    static final double U32 = 0x1p-24, UB = Bfloat16.UNIT_ROUNDOFF;

    @Test
    void engineLogitsMatchTensorFlowOnTheBf16ResNet50() {
        Cpu.assumeTfRunsBf16();
        Graph bf16 = Passes.convertToBf16(GraphDefCodec.fromGraphDef(ResNet50Builder.build(ResNet50Spec.mlperf()).graph()));

        // the tail, FP32 Mean over H, W of the last block (bf16 in TF, read through a Cast) -> Cast to bf16 -> MatMul ->
        // BiasAdd in bf16 -> Cast to FP32: the logits
        Node mean = Int8TfLogitsTest.only(bf16, Ops.MEAN);
        Node castIn = bf16.producer(mean.input(0));
        assertEquals(Ops.CAST, castIn.op());
        String body = castIn.input(0).node(); // the last block's output, the same node in the engine's fused graph
        Node matMul = Int8TfLogitsTest.only(bf16, Ops.MAT_MUL);
        Node biasAdd = bf16.consumers(matMul.name()).get(0);
        Node logitsCast = bf16.consumers(biasAdd.name()).get(0);
        assertEquals(Ops.CAST, logitsCast.op());
        float[] w = bf16.constant(matMul.input(1)).floats(); // [K, O], bf16 values
        float[] bias = bf16.constant(biasAdd.input(1)).floats();

        float[] images = SyntheticImages.batch(BATCH, SIZE, 91);
        long[] shape = {BATCH, SIZE, SIZE, 3};
        Map<String, float[]> tf = TfReference.run(bf16, INPUT, images, shape, List.of(logitsCast.name(), castIn.name(), mean.name()));
        Outputs o;
        try (Model m = Model.compile(Passes.fuseForInference(bf16), List.of(body, biasAdd.name()))) {
            o = m.run(images, BATCH);
        }
        float[] x = o.floats(body), tfX = tf.get(castIn.name());
        float[] logits = o.floats(biasAdd.name()), tfLogits = tf.get(logitsCast.name()), tfMean = tf.get(mean.name());
        long[] xs = o.shape(body);
        int hw = (int) (xs[1] * xs[2]), k = (int) xs[3], classes = bias.length;

        // the tensor entering the tail: both runtimes round every one of the 53 convolutions' outputs to bf16 (the
        // engine keeps f32 after the stem and the last block, which only removes roundings), so to first order each
        // layer adds a relative error of at most u_bf16 on each side: relative L2 distance <= 2 * 53 * u_bf16
        double num = 0, den = 0;
        double[] meanDiff = new double[BATCH * k]; // (1/HW) sum over positions of |x - tfX|, per image and channel
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs(x[i] - tfX[i]);
            num += d * d;
            den += (double) tfX[i] * tfX[i];
            meanDiff[(i / (hw * k)) * k + i % k] += d / hw;
        }
        double relative = Math.sqrt(num / den);
        assertTrue(relative <= 2 * 53 * UB, "last block output: relative L2 distance " + relative);

        // Bound per logit j of image b. TF: m = mean in f32, q = bf16(m), z = bf16(sum_k q_k W_kj) (f32 accumulation),
        // logit = bf16(z + b_j). Engine: all in f32 from its own mean. With S = sum_k |W_kj| |m_k| (m: TF's mean):
        //   from the tail input:  sum_k |W_kj| meanDiff[b,k]
        //   TF's three bf16 roundings (q, z, z + b): <= 3 u_bf16 (1 + u_bf16)^2 (S + |b_j|)
        //   f32 rounding in both (mean of HW terms, dot of K terms, bias, one product): 2 (HW + K + 4) u_f32 of the
        //   magnitudes
        double gamma = 2.0 * (hw + k + 4) * U32;
        double worst = 0, worstRatio = 0;
        for (int b = 0; b < BATCH; b++) {
            for (int j = 0; j < classes; j++) {
                double s = 0, fromInput = 0;
                for (int c = 0; c < k; c++) {
                    double wkj = Math.abs(w[c * classes + j]);
                    s += wkj * Math.abs(tfMean[b * k + c]);
                    fromInput += wkj * meanDiff[b * k + c];
                }
                double magnitude = s + Math.abs(bias[j]);
                double bound = fromInput * (1 + gamma) + 3 * UB * (1 + UB) * (1 + UB) * magnitude * (1 + gamma)
                        + gamma * (magnitude + fromInput) + Math.ulp((float) magnitude);
                double d = Math.abs(logits[b * classes + j] - tfLogits[b * classes + j]);
                worst = Math.max(worst, d);
                worstRatio = Math.max(worstRatio, d / bound);
                assertTrue(d <= bound, "image " + b + " logit " + j + ": engine " + logits[b * classes + j] + ", TF "
                        + tfLogits[b * classes + j] + ", |diff| " + d + " > bound " + bound);
            }
        }
        System.out.printf("BF16 ResNet50 224x224 (%s), engine vs TF: last block output relative L2 distance %.3g "
                + "(bound %.3g); logits max |diff| %.3g, at most %.3f of the derived bound%n",
                Cpu.engineBf16() ? "engine in bf16" : "engine in FP32, no bf16 here", relative, 2 * 53 * UB, worst, worstRatio);
    }
}
