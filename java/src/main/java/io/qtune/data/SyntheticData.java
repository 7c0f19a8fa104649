package io.qtune.data;


/**
 * Generated unlabeled images in the MLPerf input distribution (see {@link SyntheticImages}), for calibrating and
 * benchmarking models that come without data. Image i depends on i alone, not on how many are asked for.
 */
public final class SyntheticData implements LabeledImages {
    public static final int DEFAULT_COUNT = 500;
    private static final long SEED = 0x5eed_ca1bL;

    private final int count;
    private final int size;

    public SyntheticData(int count, int size) {
        if (count < 1) throw new io.qtune.QtuneException("synthetic data needs at least 1 image, got " + count);
        this.count = count;
        this.size = size;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int height() {
        return size;
    }

    @Override
    public int width() {
        return size;
    }

    @Override
    public int numLabels() {
        return 1;
    }

    @Override
    public int label(int i) {
        return -1;
    }

    @Override
    public String id(int i) {
        return "synthetic#" + i;
    }

    @Override
    public void load(int i, float[] dst, int offset) {
        // a golden-ratio stride keeps the per-image seeds far apart
        SyntheticImages.image(SEED + 0x9E3779B97F4A7C15L * i, size, dst, offset);
    }
}
