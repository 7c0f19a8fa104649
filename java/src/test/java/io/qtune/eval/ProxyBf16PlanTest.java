package io.qtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.DebianFashionMnist;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.engine.Model;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import io.qtune.quant.OpPlan;
import io.qtune.quant.Precision;
import io.qtune.quant.QuantPlan;
import io.qtune.quant.Quantizer;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy with its last five convolutions in bf16 and the rest INT8, run by the oneDNN engine on the whole
 * Fashion-MNIST test split: top-1 within 0.3 points of FP32 (0.9237), five bf16 convolutions in the program.
 */
class ProxyBf16PlanTest {
    static final double FP32_TOP1 = 0.9237;

    @Test
    void lastFiveConvolutionsInBf16KeepFp32Accuracy(@TempDir Path dir) {
        DebianFashionMnist.assumeInstalled();
        Graph fused = Passes.fuseForInference(GraphDefCodec.read(ProxyModel.file()));
        List<String> convs = fused.nodes().stream().filter(n -> Ops.isConv(n.op())).map(Node::name).toList();
        List<String> last5 = convs.subList(convs.size() - 5, convs.size());
        QuantPlan plan = QuantPlan.empty();
        for (String c : last5) plan = plan.withOp(c, OpPlan.int8().withPrecision(Precision.BF16));
        Path pb = dir.resolve("proxy-int8-bf16.pb");
        Quantizer.Result r;
        try (LabeledImages calib = DataSpec.open("fashion-mnist:train", ProxyModel.IMAGE_SIZE)) {
            r = Quantizer.builder().calibSize(500).plan(plan).build().quantize(ProxyModel.file(), calib, pb, n -> {});
        }
        assertEquals(5, r.plan().ops().values().stream().filter(o -> o.precision() == Precision.BF16).count());
        try (Model m = Model.load(pb)) {
            long bf16 = m.describe(1).stream().filter(l -> l.startsWith("bf16 convolution")).count();
            long notes = m.describe(1).stream().filter(l -> l.startsWith("note: ")).count();
            assertEquals(5, bf16 + notes, String.join("\n", m.describe(1)));
        }
        Evaluator evaluator = new Evaluator(64, BatchLoader.Options.defaults());
        try (LabeledImages data = DataSpec.open(ProxyModel.DEFAULT_DATA, ProxyModel.IMAGE_SIZE);
             Classifier onednn = Classifiers.open("onednn", pb, 2)) {
            LabelOffset offset = LabelOffset.forDataset(data, onednn.classes(), OptionalInt.empty());
            EvalResult a = evaluator.evaluate(onednn, data, offset, 0, n -> {});
            System.out.printf("proxy, last 5 convolutions %s bf16, rest INT8, oneDNN engine on 10,000 test images: top-1 %.4f "
                    + "(FP32 %.4f)%n", last5, a.top1(), FP32_TOP1);
            assertEquals(10_000, a.count());
            assertTrue(Math.abs(a.top1() - FP32_TOP1) <= 0.003, "top-1 " + a.top1() + " vs FP32 " + FP32_TOP1);
        }
    }
}
