package io.qtune.serve;

import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which batch sizes give every image the bits it gets alone. oneDNN may pick other kernels, or other blockings of
 * the same kernel, for other batch sizes, and a floating-point sum in another order rounds otherwise: on the
 * full-size ResNet50 (INT8, 2 cores, AVX-512) batches of 2-4 were bit-identical to batch 1 and batches of 8 were not
 * (11 of 8,008 softmax values differed by up to 2.6e-5), while on the small proxy every size up to 16 was identical.
 * So the service measures it at start, on the calling instance's team: {@code maxBatch} distinct pseudo-random images
 * run alone, then every batch size b in 2..maxBatch runs the first b of them, and b counts as identical when every
 * output of every image has the same bits as alone. A kernel change shows on most images (10 of 16 on the full
 * model), so this catches it in practice; it is a measurement, not a proof for every input.
 */
final class BatchSizeCheck {
    /** identical[b] for b in 1..maxBatch (identical[1] is true), and the output signature of batch 1. */
    record Result(boolean[] identical, List<TensorSpec> outputs) {
        /** The sizes that passed, ascending. */
        int[] sizes() {
            List<Integer> s = new ArrayList<>();
            for (int b = 1; b < identical.length; b++) if (identical[b]) s.add(b);
            return s.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private BatchSizeCheck() {}

    /** Runs the check on the calling thread (which also compiles every batch size for its team). */
    static Result run(Model model, int maxBatch, long imageFloats) {
        int per = Math.toIntExact(imageFloats);
        float[] all = new float[Math.toIntExact(maxBatch * imageFloats)];
        Random r = new Random(20261202);
        for (int i = 0; i < all.length; i++) all[i] = r.nextInt(256) - 120f + r.nextFloat(); // pixel minus a mean
        Outputs[] alone = new Outputs[maxBatch];
        for (int i = 0; i < maxBatch; i++) {
            float[] one = new float[per];
            System.arraycopy(all, i * per, one, 0, per);
            alone[i] = model.run(one, 1);
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (String name : alone[0].names()) {
            long[] shape = alone[0].shape(name);
            if (shape.length > 0) shape[0] = -1;
            specs.add(new TensorSpec(name, alone[0].isInteger(name) ? "INT64" : "FP32", shape));
        }
        boolean[] identical = new boolean[maxBatch + 1];
        identical[1] = true;
        for (int b = 2; b <= maxBatch; b++) {
            float[] in = new float[b * per];
            System.arraycopy(all, 0, in, 0, in.length);
            Outputs out = model.run(in, b);
            identical[b] = sameAsAlone(out, b, alone);
        }
        return new Result(identical, List.copyOf(specs));
    }

    private static boolean sameAsAlone(Outputs out, int b, Outputs[] alone) {
        ServingInstance.Rows rows = ServingInstance.Rows.of(out, b);
        for (int i = 0; i < b; i++) {
            InferenceResult row = rows.slice(i, 1);
            for (String name : out.names()) {
                Object mine = row.tensor(name).data();
                if (mine instanceof long[] l) {
                    if (!java.util.Arrays.equals(l, alone[i].longs(name))) return false;
                } else {
                    float[] f = (float[]) mine, g = alone[i].floats(name);
                    if (f.length != g.length) return false;
                    for (int k = 0; k < f.length; k++) {
                        if (Float.floatToRawIntBits(f[k]) != Float.floatToRawIntBits(g[k])) return false;
                    }
                }
            }
        }
        return true;
    }
}
