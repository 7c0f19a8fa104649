package io.qtune.onnx;

import io.qtune.bench.OrtModel;
import io.qtune.engine.Model;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import io.qtune.data.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-size MLPerf-layout zoo ResNet50 (width 1, 224x224, 1001 classes) exported to ONNX: ONNX Runtime's logits
 * on 8 images within 1e-4 (relative to the largest logit of each image) of qtune's FP32 engine's.
 */
class OnnxResNet50Test {
    static final int IMAGES = 8;

    /** The zoo model, built once and cached under target/ (about 100 MB, 20 s to build), as ResNet50ParityTest does. */
    static Path fullResNet50() {
        Path pb = Path.of("target", "test-models", "resnet50-mlperf-seed0.pb");
        if (!Files.exists(pb)) ResNet50Builder.write(ResNet50Builder.build(ResNet50Spec.mlperf()).graph(), pb);
        return pb;
    }

    @Test
    void fp32LogitsMatchTheQtuneEngine(@TempDir Path dir) {
        Graph fused = Passes.fuseForInference(GraphDefCodec.read(fullResNet50()));
        String logits = OnnxExporterTest.logits(fused);
        Path onnx = dir.resolve("resnet50.onnx");
        io.qtune.AtomicFiles.write(onnx, new OnnxExporter().export(fused, null, List.of(logits)).bytes());
        float[] images = SyntheticImages.batch(IMAGES, 224, 2024);
        float[] want;
        try (Model m = Model.compile(fused, List.of(logits))) {
            want = m.run(images, IMAGES).floats(logits);
        }
        float[] got;
        try (OrtModel ort = OrtModel.load(onnx, 2)) {
            got = ort.run(images, new long[] {IMAGES, 224, 224, 3}, List.of(logits)).get(logits);
        }
        double worst = 0;
        for (int img = 0; img < IMAGES; img++) {
            double scale = 0, diff = 0;
            for (int c = 0; c < 1001; c++) {
                scale = Math.max(scale, Math.abs(want[img * 1001 + c]));
                diff = Math.max(diff, Math.abs(want[img * 1001 + c] - got[img * 1001 + c]));
            }
            worst = Math.max(worst, diff / scale);
        }
        System.out.printf("full ResNet50 FP32, ONNX Runtime vs qtune: worst max|logit diff| / max|logit| = %.3g over %d images%n", worst, IMAGES);
        OnnxExporterTest.assertRelativeClose(want, got, 1001, 1e-4);
    }
}
