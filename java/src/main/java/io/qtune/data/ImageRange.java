package io.qtune.data;

import java.util.Objects;

/** Images {@code [from, to)} of a data set as a data set of their own (a shard); closing it leaves the whole open. */
public final class ImageRange implements LabeledImages {
    private final LabeledImages all;
    private final int from, to;

    public ImageRange(LabeledImages all, int from, int to) {
        Objects.checkFromToIndex(from, to, all.size());
        this.all = all;
        this.from = from;
        this.to = to;
    }

    @Override public int size() { return to - from; }
    @Override public int height() { return all.height(); }
    @Override public int width() { return all.width(); }
    @Override public int numLabels() { return all.numLabels(); }
    @Override public int label(int i) { return all.label(from + Objects.checkIndex(i, size())); }
    @Override public String id(int i) { return all.id(from + Objects.checkIndex(i, size())); }
    @Override public void load(int i, float[] dst, int offset) { all.load(from + Objects.checkIndex(i, size()), dst, offset); }
}
