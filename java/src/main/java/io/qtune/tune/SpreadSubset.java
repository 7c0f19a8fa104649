package io.qtune.tune;

import io.qtune.quant.CalibrationRun;
import io.qtune.data.LabeledImages;

/** A view of {@code n} images spread evenly over a data set, the same every run. */
final class SpreadSubset implements LabeledImages {
    private final LabeledImages all;
    private final int[] idx;

    SpreadSubset(LabeledImages all, int n) {
        this.all = all;
        this.idx = CalibrationRun.pick(all.size(), n);
    }

    @Override public int size() { return idx.length; }
    @Override public int height() { return all.height(); }
    @Override public int width() { return all.width(); }
    @Override public int numLabels() { return all.numLabels(); }
    @Override public int label(int i) { return all.label(idx[i]); }
    @Override public String id(int i) { return all.id(idx[i]); }
    @Override public void load(int i, float[] dst, int offset) { all.load(idx[i], dst, offset); }
}
