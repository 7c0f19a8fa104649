package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.DType;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.Jpegs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with finite weights whose scores overflow to NaN on bright images: eval never counts those correct, warns
 * with their number, fails with --strict, and fails when every image is affected.
 */
class NonFiniteEvalTest {
    @TempDir
    Path dir;

    /** Bright pixels give mean(relu(sum of channels)) > 0, times 3e38 overflows class 5's logit to infinity. */
    private Path overflowingModel() {
        GraphBuilder b = new GraphBuilder(1);
        String x = b.placeholder("input_tensor", -1, 8, 8, 3);
        String w = b.constant("conv/kernel", Tensor.ofFloats(new long[] {1, 1, 3, 1}, new float[] {1, 1, 1}));
        String c = b.raw("conv", Ops.CONV2D, List.of(x, w), GraphBuilder.convAttrs(1, "VALID"));
        String m = b.mean("mean", b.unary("relu", Ops.RELU, c), false, 1, 2);
        float[] k = new float[1001];
        java.util.Arrays.fill(k, 0.001f);
        k[5] = 3e38f;
        String kernel = b.constant("dense/kernel", Tensor.ofFloats(new long[] {1, 1001}, k));
        String logits = b.raw("dense", Ops.MAT_MUL, List.of(m, kernel), Map.of("T", DType.FLOAT, "transpose_a", false, "transpose_b", false));
        b.unary("softmax_tensor", Ops.SOFTMAX, logits);
        b.argMax("ArgMax", logits);
        Path p = dir.resolve("overflow.pb");
        GraphDefCodec.write(b.build(), p);
        return p;
    }

    private Path images(int... greys) throws Exception {
        Path val = Files.createDirectories(dir.resolve("val" + greys.length + greys[0]));
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < greys.length; i++) {
            Jpegs.solid(val.resolve(i + ".JPEG"), 16, 16, greys[i]);
            map.append(i).append(".JPEG 4\n"); // label 4 is model class 5 (offset 1)
        }
        Files.writeString(val.resolve("val_map.txt"), map);
        return val;
    }

    @Test
    void nonFiniteScoresAreWrongWarnedAboutAndAnErrorWithStrict() throws Exception {
        Path model = overflowingModel();
        Path val = images(255, 0, 255, 0);
        for (String engine : new String[] {"onednn", "tf"}) {
            CliRun r = CliRun.of("eval", "--model", model.toString(), "--data", "imagenet:" + val, "--engine", engine);
            assertEquals(0, r.exitCode(), r.err());
            // the two bright images are NaN (class 5 "wins" only by NaN, never counted); the dark ones score uniformly, ties
            // favour the target: 2 of 4 correct, not 4 of 4
            assertTrue(r.out().contains("top-1: 0.5000"), engine + ": " + r.out());
            assertTrue(r.err().contains("warning: 2 of 4 images got non-finite scores (NaN or infinity) and count as wrong"), r.err());
            CliRun strict = CliRun.of("eval", "--model", model.toString(), "--data", "imagenet:" + val, "--engine", engine, "--strict");
            assertEquals(2, strict.exitCode(), strict.err());
            assertTrue(strict.err().contains("error: 2 of 4 images got non-finite scores") && strict.err().contains("(--strict)"), strict.err());
        }
        CliRun all = CliRun.of("eval", "--model", model.toString(), "--data", "imagenet:" + images(255, 250, 240));
        assertEquals(2, all.exitCode(), all.err());
        assertTrue(all.err().contains("error: all 3 images got non-finite scores"), all.err());
    }
}
