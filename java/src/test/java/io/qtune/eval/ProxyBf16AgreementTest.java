package io.qtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.DebianFashionMnist;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.engine.Model;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.Cpu;
import io.qtune.testing.Emulation;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy converted to BF16 ({@code convert --to bf16}), run from the same file by the oneDNN engine and by stock
 * TF on the whole Fashion-MNIST test split: each runtime's BF16 top-1 within 0.2 points of its FP32 top-1, and the
 * two runtimes predicting the same class for at least 99.5% of the images.
 */
class ProxyBf16AgreementTest {
    @Test
    void bf16KeepsFp32AccuracyAndBothRuntimesAgree(@TempDir Path dir) {
        DebianFashionMnist.assumeInstalled();
        Cpu.assumeTfRunsBf16();
        Path bf16 = dir.resolve("proxy-bf16.pb");
        GraphDefCodec.write(Passes.convertToBf16(GraphDefCodec.read(ProxyModel.file())), bf16);
        // the engine runs every bf16 convolution in bf16 where the CPU has it, else all in FP32 with one note; the
        // 3-channel stem is FP32 in the graph (ConvertToBf16.oddInputChannels)
        try (Model m = Model.load(bf16)) {
            List<String> lines = m.describe(1);
            long bf16Convs = lines.stream().filter(l -> l.startsWith("bf16 convolution")).count();
            List<String> notes = lines.stream().filter(l -> l.startsWith("note: ")).toList();
            if (Cpu.engineBf16()) {
                assertEquals(52, bf16Convs, String.join("\n", lines));
                assertEquals(List.of(), notes);
            } else {
                assertEquals(0, bf16Convs);
                assertEquals(1, notes.size(), String.join("\n", lines));
                assertTrue(notes.get(0).startsWith("note: 52 convolutions marked bf16"), notes.get(0));
            }
        }
        Evaluator evaluator = new Evaluator(64, BatchLoader.Options.defaults());
        try (LabeledImages data = DataSpec.open(ProxyModel.DEFAULT_DATA, ProxyModel.IMAGE_SIZE);
             Classifier engineBf16 = Classifiers.open("onednn", bf16, 2);
             Classifier tfBf16 = Classifiers.open("tf", bf16, 2);
             Classifier engineFp32 = Classifiers.open("onednn", ProxyModel.file(), 2);
             Classifier tfFp32 = Classifiers.open("tf", ProxyModel.file(), 2)) {
            LabelOffset offset = LabelOffset.forDataset(data, engineBf16.classes(), OptionalInt.empty());
            EvalResult eb = evaluator.evaluate(engineBf16, data, offset, Emulation.evalLimit(), n -> {});
            EvalResult tb = evaluator.evaluate(tfBf16, data, offset, Emulation.evalLimit(), n -> {});
            EvalResult ef = evaluator.evaluate(engineFp32, data, offset, Emulation.evalLimit(), n -> {});
            EvalResult tf = evaluator.evaluate(tfFp32, data, offset, Emulation.evalLimit(), n -> {});
            System.out.printf("proxy BF16 on %,d test images: oneDNN top-1 %.4f (FP32 %.4f), TF top-1 %.4f (FP32 %.4f), "
                    + "oneDNN vs TF agreement on BF16 %.4f%n", eb.count(), eb.top1(), ef.top1(), tb.top1(), tf.top1(), eb.agreementWith(tb));
            assertEquals(Emulation.images(10_000), eb.count());
            assertEquals(ef.top1(), eb.top1(), 0.002, "oneDNN BF16 vs FP32 top-1");
            assertEquals(tf.top1(), tb.top1(), 0.002, "TF BF16 vs FP32 top-1");
            assertTrue(eb.agreementWith(tb) >= 0.995, "oneDNN vs TF top-1 agreement on the BF16 graph " + eb.agreementWith(tb));
        }
    }
}
