package io.qtune.quant;

import io.qtune.calib.TensorRange;
import java.util.Random;

/** Plans for format tests: awkward floats (shortest forms, extremes, subnormals) and awkward names (quotes, tabs, UTF-8). */
final class PlanFixtures {
    private PlanFixtures() {}

    static QuantPlan awkward() {
        return awkward(false);
    }

    /** As {@link #awkward()}; {@code eightBitOnly} puts every op in 8-bit weights, as plans from before 7-bit weights read. */
    static QuantPlan awkward(boolean eightBitOnly) {
        Random r = new Random(3);
        QuantPlan p = QuantPlan.empty();
        float[] awkward = {0.1f, 1e-8f, -3.4028235e38f, Float.MIN_VALUE, 1f / 3, 16777216f, 6.5f, 1e9f, 123456.79f, 1e-6f};
        String[] algorithms = {"minmax", "kl", "mse", "percentile", "percentile:99.5"};
        for (int i = 0; i < 300; i++) {
            float a = i < awkward.length ? awkward[i] : Float.intBitsToFloat(r.nextInt());
            if (!Float.isFinite(a)) a = r.nextFloat();
            float b = Float.intBitsToFloat(r.nextInt());
            if (!Float.isFinite(b)) b = 1f;
            p = p.withRange("t" + i + (i % 7 == 0 ? "/\"quoted\"\\path\t\u00e9:0" : ":0"), new TensorRange(Math.min(a, b), Math.max(a, b)));
            WeightRange w = eightBitOnly ? WeightRange.EIGHT_BIT : WeightRange.values()[(i / 2) % 2];
            p = p.withOp("op" + i, new OpPlan(Precision.values()[i % 3], WeightGranularity.values()[i % 2], w, algorithms[i % 5]));
        }
        return p;
    }
}
