package io.qtune.quant;


import io.qtune.data.LabeledImages;
import io.qtune.export.Int8GraphWriter;

import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The stages of post-training quantization, in order: fuse the FP32 graph, calibrate it once, plan (the caller's
 * part: one plan for {@link Quantizer}, many candidates for the tuner), write the INT8 GraphDef. {@link Quantizer} and
 * the tuner both go through these, so a plan gives the same bytes whichever of them wrote it.
 */
public final class QuantPipeline {
    private QuantPipeline() {}

    /** The FP32 graph after the inference rewrites (BN and Pad folded, conv + bias + activation + sum fused). */
    public static Graph fuse(Path fp32Model) {
        return Passes.fuseForInference(GraphDefCodec.read(fp32Model));
    }

    /** The ops a plan decides on (fused convolutions and max pools), in graph order. */
    public static List<String> quantizableOps(Graph fused) {
        List<String> ops = new ArrayList<>();
        for (Node n : fused.nodes()) {
            if (QuantPlan.isQuantizable(n.op())) ops.add(n.name());
        }
        return ops;
    }

    /** The tensors whose ranges the INT8 graph needs. */
    public static List<String> observedTensors(Graph fused) {
        return CalibrationRun.observedTensors(fused);
    }

    /** Streams {@code size} images spread over {@code images} through the FP32 engine, in batches of {@code batch}. */
    public static Calibration calibrate(Graph fused, LabeledImages images, int size, int batch, IntConsumer progress) {
        long t0 = System.nanoTime();
        var stats = CalibrationRun.collect(fused, images, size, batch, progress);
        return new Calibration(fused, stats, Math.min(size, images.size()), (System.nanoTime() - t0) / 1e9);
    }

    /** The INT8 graph of a plan, in memory. */
    public static Int8GraphWriter.Result convert(Graph fused, QuantPlan plan, Int8GraphWriter.ArgMaxOutput argMax) {
        return new Int8GraphWriter(argMax).convert(fused, new PlanDecisions(plan));
    }

    /** The INT8 graph of a plan, written atomically to {@code out}. */
    public static Int8GraphWriter.Result write(Graph fused, QuantPlan plan, Path out, Int8GraphWriter.ArgMaxOutput argMax) {
        return new Int8GraphWriter(argMax).write(fused, new PlanDecisions(plan), out);
    }
}
