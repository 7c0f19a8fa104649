package io.qtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.DebianFashionMnist;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.testing.Emulation;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** On the embedded proxy and the whole Fashion-MNIST test split, oneDNN and TF predict the same class. */
class ProxyEngineAgreementTest {
    @Test
    void onednnAndTensorFlowAgreeOnTheTestSplit() {
        DebianFashionMnist.assumeInstalled();
        Path model = ProxyModel.file();
        Evaluator evaluator = new Evaluator(64, BatchLoader.Options.defaults());
        try (LabeledImages data = DataSpec.open(ProxyModel.DEFAULT_DATA, ProxyModel.IMAGE_SIZE);
             Classifier onednn = Classifiers.open("onednn", model, 2);
             Classifier tf = Classifiers.open("tf", model, 2)) {
            LabelOffset offset = LabelOffset.forDataset(data, onednn.classes(), OptionalInt.empty());
            assertEquals(1, offset.offset(), "11 outputs for 10 labels: background class 0");
            EvalResult a = evaluator.evaluate(onednn, data, offset, Emulation.evalLimit(), n -> {});
            EvalResult b = evaluator.evaluate(tf, data, offset, Emulation.evalLimit(), n -> {});
            assertEquals(Emulation.images(10_000), a.count());
            assertTrue(a.agreementWith(b) >= 0.999, "top-1 agreement " + a.agreementWith(b));
            assertTrue(a.top1() >= 0.91, "FP32 top-1 of the proxy " + a.top1());
            assertEquals(a.top1(), b.top1(), 0.001);
        }
    }
}
