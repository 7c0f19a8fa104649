package io.qtune.loadgen;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import io.qtune.data.LabeledImages;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/** A {@link QuerySampleLibrary} over a preprocessed image data set, optionally only its first {@code limit} images. */
public final class ImageLibrary implements QuerySampleLibrary {
    private final LabeledImages images;
    private final int count;
    private final int elements;
    private volatile Map<Integer, float[]> loaded = Map.of();

    /** @param limit use only the first {@code limit} images; 0: all */
    public ImageLibrary(LabeledImages images, int limit) {
        if (limit < 0) throw new InvalidSetting("limit", "must be >= 0, got " + limit);
        this.images = images;
        this.count = limit == 0 ? images.size() : Math.min(limit, images.size());
        if (count == 0) throw new QtuneException("the data set has no images");
        this.elements = images.height() * images.width() * 3;
    }

    @Override
    public int totalCount() {
        return count;
    }

    @Override
    public int sampleElements() {
        return elements;
    }

    /** Decodes in parallel: loading 1,024 ImageNet JPEGs one at a time takes a while and is not measured anyway. */
    @Override
    public void load(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= count) throw new QtuneException("sample index " + i + " is outside 0.." + (count - 1));
        }
        float[][] data = new float[indices.length][];
        IntStream.range(0, indices.length).parallel().forEach(k -> {
            float[] f = new float[elements];
            images.load(indices[k], f, 0);
            data[k] = f;
        });
        Map<Integer, float[]> m = new HashMap<>(indices.length * 2);
        for (int k = 0; k < indices.length; k++) m.put(indices[k], data[k]);
        loaded = m;
    }

    @Override
    public float[] sample(int index) {
        float[] f = loaded.get(index);
        if (f == null) throw new QtuneException("sample " + index + " was not loaded before it was asked for");
        return f;
    }

    @Override
    public void unload() {
        loaded = Map.of();
    }

    /** The label of sample i (see {@link LabeledImages#label}). */
    public int label(int i) {
        return images.label(i);
    }
}
