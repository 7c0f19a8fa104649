package io.qtune.export;

import io.qtune.reference.ReferenceInterpreter;
import io.qtune.graph.Graph;
import io.qtune.graph.TensorRef;
import io.qtune.testing.GraphBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Test decisions: min/max of every tensor over a few calibration batches run through the FP32 reference interpreter. */
public final class MinMaxDecisions implements QuantDecisions {
    private final Map<String, float[]> ranges = new HashMap<>();
    private final Set<String> fp32;
    private final boolean perChannel;
    private final Set<String> bf16;
    /** As the product's default ({@link io.qtune.quant.WeightRange#DEFAULT}): exact on every CPU. */
    private boolean sevenBit = io.qtune.quant.WeightRange.DEFAULT == io.qtune.quant.WeightRange.SEVEN_BIT;

    public MinMaxDecisions(Map<String, float[]> ranges, Set<String> fp32, boolean perChannel) {
        this(ranges, fp32, perChannel, Set.of());
    }

    /** As above; the convolutions in {@code bf16} are not INT8 but marked bf16. */
    public MinMaxDecisions(Map<String, float[]> ranges, Set<String> fp32, boolean perChannel, Set<String> bf16) {
        this.ranges.putAll(ranges);
        this.fp32 = fp32;
        this.perChannel = perChannel;
        this.bf16 = bf16;
    }

    /** Ranges of all output-0 tensors of the fused graph over {@code batches} random batches (seeds 1000..). */
    public static Map<String, float[]> calibrate(Graph fused, String input, long[] shape, int batches) {
        return calibrate(fused, input, shape, batches, 2.0);
    }

    /** As above with inputs uniform in [-scale, scale]. */
    public static Map<String, float[]> calibrate(Graph fused, String input, long[] shape, int batches, double scale) {
        Map<String, float[]> r = new HashMap<>();
        for (int i = 0; i < batches; i++) {
            float[] data = GraphBuilder.randomInput(1000 + i, scale, shape);
            Map<TensorRef, ReferenceInterpreter.Value> all = new ReferenceInterpreter(fused)
                    .runAll(Map.of(input, new ReferenceInterpreter.Value(shape, data)));
            all.forEach((ref, v) -> {
                float[] mm = r.computeIfAbsent(ref.toString(), k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
                for (float x : v.data()) {
                    mm[0] = Math.min(mm[0], x);
                    mm[1] = Math.max(mm[1], x);
                }
            });
        }
        return r;
    }

    public MinMaxDecisions with(Set<String> newFp32, boolean newPerChannel) {
        return new MinMaxDecisions(ranges, newFp32, newPerChannel, bf16).withSevenBitWeights(sevenBit);
    }

    public MinMaxDecisions withBf16(Set<String> newBf16) {
        return new MinMaxDecisions(ranges, fp32, perChannel, newBf16).withSevenBitWeights(sevenBit);
    }

    public MinMaxDecisions without(String tensor) {
        MinMaxDecisions d = new MinMaxDecisions(ranges, fp32, perChannel, bf16);
        d.sevenBit = sevenBit;
        d.ranges.remove(tensor);
        return d;
    }

    /** The same decisions with every filter in 7-bit codes (or all of qint8). */
    public MinMaxDecisions withSevenBitWeights(boolean on) {
        MinMaxDecisions d = new MinMaxDecisions(ranges, fp32, perChannel, bf16);
        d.sevenBit = on;
        return d;
    }

    @Override
    public boolean sevenBitWeights(String fusedNodeName) {
        return sevenBit;
    }

    @Override
    public boolean int8(String fusedNodeName) {
        return !fp32.contains(fusedNodeName) && !bf16.contains(fusedNodeName);
    }

    @Override
    public boolean bf16(String fusedNodeName) {
        return bf16.contains(fusedNodeName);
    }

    @Override
    public boolean perChannel(String fusedNodeName) {
        return perChannel;
    }

    @Override
    public float[] range(String tensorName) {
        float[] r = ranges.get(tensorName);
        return r == null ? null : r.clone();
    }
}
