package io.qtune.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.bench.OrtModel;
import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.FashionMnist;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.eval.EvalResult;
import io.qtune.eval.Evaluator;
import io.qtune.quant.PlanDecisions;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.quant.Quantizer;
import io.qtune.testing.Emulation;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy quantized with the defaults (500 training images): qtune's INT8 engine running the INT8 GraphDef and
 * ONNX Runtime running the QDQ ONNX exported from the same plan predict the same class on the whole Fashion-MNIST
 * test split (>= 99.5 %), and their accuracies are within 0.3 points. The default export keeps qtune's arithmetic in
 * the residual adds; the all-int8 form (what ONNX Runtime runs fastest) is measured beside it.
 */
class ProxyOnnxInt8AgreementTest {
    /** ONNX Runtime as an evaluation classifier: softmax scores of the exported model. */
    private record OrtClassifier(OrtModel ort, int classes, int size) implements Classifier {
        @Override
        public float[] scores(float[] nhwc, int batch) {
            return ort.run(nhwc, new long[] {batch, size, size, 3}, List.of("softmax_tensor")).get("softmax_tensor");
        }

        @Override
        public void close() {
            ort.close();
        }
    }

    @Test
    void onnxRuntimeAndTheInt8EngineAgree(@TempDir Path dir) {
        io.qtune.data.DebianFashionMnist.assumeInstalled();
        Path int8 = dir.resolve("proxy-int8.pb"), onnx = dir.resolve("proxy-int8.onnx");
        Quantizer.Result q;
        try (LabeledImages calib = DataSpec.open("fashion-mnist:train", ProxyModel.IMAGE_SIZE)) {
            q = Quantizer.builder().calibSize(500).build().quantize(ProxyModel.file(), calib, int8, n -> {});
        }
        var fused = Passes.fuseForInference(GraphDefCodec.read(ProxyModel.file()));
        new OnnxExporter(OnnxExporter.ResidualAdd.FLOAT).write(fused, new PlanDecisions(q.plan()), onnx);
        Path onnxInt8Add = dir.resolve("proxy-int8-add.onnx");
        new OnnxExporter(OnnxExporter.ResidualAdd.INT8).write(fused, new PlanDecisions(q.plan()), onnxInt8Add);
        Evaluator evaluator = new Evaluator(64, BatchLoader.Options.defaults());
        try (LabeledImages data = DataSpec.open(ProxyModel.DEFAULT_DATA, ProxyModel.IMAGE_SIZE);
             Classifier onednn = Classifiers.open("onednn", int8, 2);
             Classifier ort = new OrtClassifier(OrtModel.load(onnx, 2), ProxyModel.CLASSES, ProxyModel.IMAGE_SIZE);
             Classifier ortInt8Add = new OrtClassifier(OrtModel.load(onnxInt8Add, 2), ProxyModel.CLASSES, ProxyModel.IMAGE_SIZE)) {
            LabelOffset offset = LabelOffset.forDataset(data, onednn.classes(), OptionalInt.empty());
            EvalResult a = evaluator.evaluate(onednn, data, offset, Emulation.evalLimit(), n -> {});
            EvalResult b = evaluator.evaluate(ort, data, offset, Emulation.evalLimit(), n -> {});
            System.out.printf("proxy INT8 on %,d test images: qtune top-1 %.4f, ONNX Runtime top-1 %.4f, top-1 agreement %.4f%n",
                    a.count(), a.top1(), b.top1(), a.agreementWith(b));
            assertEquals(Emulation.images(10_000), a.count());
            assertEquals(Emulation.images(10_000), b.count());
            assertTrue(a.agreementWith(b) >= 0.995, "top-1 agreement " + a.agreementWith(b));
            assertEquals(a.top1(), b.top1(), 0.003);

            // the all-int8 form rounds once more per residual block (16 here): measured 99.05 % agreement, top-1
            // 92.31 % vs 92.25 %; this guards against it getting worse, it is not the criterion
            EvalResult c = evaluator.evaluate(ortInt8Add, data, offset, Emulation.evalLimit(), n -> {});
            System.out.printf("  with --residual-add int8: ONNX Runtime top-1 %.4f, agreement with qtune %.4f%n", c.top1(), a.agreementWith(c));
            assertTrue(a.agreementWith(c) >= 0.985, "int8 residual add: top-1 agreement " + a.agreementWith(c));
            assertEquals(a.top1(), c.top1(), 0.01);
        }
    }
}
