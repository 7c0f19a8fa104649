package io.qtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.DebianFashionMnist;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.quant.Quantizer;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy quantized with the defaults (500 training images): TF running the emitted graph and the oneDNN INT8
 * engine running the same file predict the same class on the whole Fashion-MNIST test split.
 */
class ProxyInt8AgreementTest {
    @Test
    void tensorFlowAndTheInt8EngineAgreeOnTheEmittedGraph(@TempDir Path dir) {
        DebianFashionMnist.assumeInstalled();
        Path int8 = dir.resolve("proxy-int8.pb");
        try (LabeledImages calib = DataSpec.open("fashion-mnist:train", ProxyModel.IMAGE_SIZE)) {
            Quantizer.builder().calibSize(500).build().quantize(ProxyModel.file(), calib, int8, n -> {});
        }
        Evaluator evaluator = new Evaluator(64, BatchLoader.Options.defaults());
        try (LabeledImages data = DataSpec.open(ProxyModel.DEFAULT_DATA, ProxyModel.IMAGE_SIZE);
             Classifier onednn = Classifiers.open("onednn", int8, 2);
             Classifier tf = Classifiers.open("tf", int8, 2)) {
            LabelOffset offset = LabelOffset.forDataset(data, onednn.classes(), OptionalInt.empty());
            EvalResult a = evaluator.evaluate(onednn, data, offset, 0, n -> {});
            EvalResult b = evaluator.evaluate(tf, data, offset, 0, n -> {});
            System.out.printf("proxy INT8 on 10,000 test images: oneDNN top-1 %.4f, TF top-1 %.4f, top-1 agreement %.4f%n",
                    a.top1(), b.top1(), a.agreementWith(b));
            assertEquals(10_000, a.count());
            assertTrue(a.agreementWith(b) >= 0.995, "top-1 agreement " + a.agreementWith(b));
            assertEquals(a.top1(), b.top1(), 0.003);
        }
    }
}
