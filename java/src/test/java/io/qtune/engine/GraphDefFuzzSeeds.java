package io.qtune.engine;

import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.graph.GraphDefCodec;
import io.qtune.quant.Quantizer;
import io.qtune.testing.HostileGraphs;
import io.qtune.testing.SmallResNet;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the seed corpus of {@link GraphDefFuzzTest}: small valid graphs covering every op family the importer,
 * the passes and the compiler know (FP32 and Intel's INT8 ops). Run by {@code scripts/fuzz --seeds}.
 */
public final class GraphDefFuzzSeeds {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        // the smallest graph with every FP32 op family: short inputs mutate fastest
        io.qtune.testing.GraphBuilder b = new io.qtune.testing.GraphBuilder(5);
        String x = b.placeholder("input_tensor", -1, 4, 4, 3);
        String c = b.biasAdd("conv/bias", b.conv("conv", b.pad("pad", x, 1, 1, 1, 1), 3, 3, 3, 3, 2, "VALID"), 3);
        String pooled = b.pool("pool", io.qtune.graph.Ops.MAX_POOL, b.unary("relu", io.qtune.graph.Ops.RELU, c), 2, 1, "SAME");
        String logits = b.matMul("dense", b.mean("mean", pooled, false, 1, 2), 3, 4);
        b.unary("softmax_tensor", io.qtune.graph.Ops.SOFTMAX, logits);
        b.argMax("ArgMax", logits);
        Path tiny = dir.resolve("seed-tiny-fp32");
        GraphDefCodec.write(b.build(), tiny);
        try (LabeledImages calib = DataSpec.open("synthetic:4", 4)) {
            Quantizer.builder().build().quantize(tiny, calib, dir.resolve("seed-tiny-int8"), n -> {});
        }
        Path fp32 = dir.resolve("seed-classifier-fp32");
        GraphDefCodec.write(HostileGraphs.classifier(), fp32);
        GraphDefCodec.write(SmallResNet.build(3), dir.resolve("seed-small-resnet-fp32"));
        try (LabeledImages calib = DataSpec.open("synthetic:8", 8)) {
            Quantizer.builder().build().quantize(fp32, calib, dir.resolve("seed-classifier-int8"), n -> {});
        }
        Path resnet = dir.resolve("seed-small-resnet-fp32");
        try (LabeledImages calib = DataSpec.open("synthetic:8", SmallResNet.SIZE)) {
            Quantizer.builder().build().quantize(resnet, calib, dir.resolve("seed-small-resnet-int8"), n -> {});
        }
        for (Path p : Files.list(dir).sorted().toList()) System.out.println(p + " " + Files.size(p) + " bytes");
    }
}
