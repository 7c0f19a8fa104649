package io.qtune.serve;

import io.qtune.engine.Model;
import io.qtune.engine.Outputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which batch sizes give every image the bits it gets alone. oneDNN may pick other kernels, or other blockings of the
 * same kernel, for other batch sizes, and then some outputs round otherwise. The engine runs the classifier's inner
 * product row by row for that reason (its GEMM blocking changed with the batch: on the full-size ResNet50 INT8 a batch
 * of 2 changed the last bits of most logits); since then every size up to 16 passes there and on the proxy (AVX-512),
 * but another CPU's kernels may differ again. The difference is data-dependent, so the check runs many images: {@code max(32, 2 x maxBatch)} distinct
 * pseudo-random images alone, then for b = 2, 3, ... every image again inside batches of b; the first b at which any
 * output bit of any image differs ends the check, and only the sizes below it are used. It is a measurement, not a
 * proof for every input: a size that passed can still differ on an image unlike these.
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

    /** Runs the check on the calling thread (which also compiles the batch sizes it reaches for its team). */
    static Result run(Model model, int maxBatch, long imageFloats) {
        int per = Math.toIntExact(imageFloats);
        int count = Math.max(32, 2 * maxBatch);
        float[] all = new float[Math.toIntExact(count * imageFloats)];
        Random r = new Random(20261202);
        for (int i = 0; i < all.length; i++) all[i] = r.nextInt(256) - 120f + r.nextFloat(); // pixel minus a mean
        Outputs[] alone = new Outputs[count];
        for (int i = 0; i < count; i++) {
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
            boolean same = true;
            for (int first = 0; same && first + b <= count; first += b) {
                float[] in = new float[b * per];
                System.arraycopy(all, first * per, in, 0, in.length);
                same = sameAsAlone(model.run(in, b), b, alone, first);
            }
            if (!same) break;
            identical[b] = true;
        }
        return new Result(identical, List.copyOf(specs));
    }

    private static boolean sameAsAlone(Outputs out, int b, Outputs[] alone, int first) {
        ServingInstance.Rows rows = ServingInstance.Rows.of(out, b);
        for (int i = 0; i < b; i++) {
            InferenceResult row = rows.slice(i, 1);
            for (String name : out.names()) {
                Object mine = row.tensor(name).data();
                if (mine instanceof long[] l) {
                    if (!java.util.Arrays.equals(l, alone[first + i].longs(name))) return false;
                } else {
                    float[] f = (float[]) mine, g = alone[first + i].floats(name);
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
