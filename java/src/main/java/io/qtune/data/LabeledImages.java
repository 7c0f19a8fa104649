package io.qtune.data;

/**
 * A fixed, ordered set of preprocessed images with labels: the one interface calibration, evaluation and
 * training read from. Images come out as float32 NHWC with 3 channels, already mean-subtracted.
 * Implementations must be safe to call {@link #load} from several threads at once.
 */
public interface LabeledImages extends AutoCloseable {
    /** Number of images. */
    int size();

    int height();

    int width();

    /** Number of distinct labels in the data set (1000 for ImageNet, 10 for Fashion-MNIST). */
    int numLabels();

    /** Label of image i in 0..numLabels()-1, before any model-specific offset; -1 when the set has no labels (a calibration list). */
    int label(int i);

    /** A name for image i that a user can find (file name, or "t10k#123"), used in errors and reports. */
    String id(int i);

    /** Writes image i, preprocessed, as height*width*3 floats into dst starting at offset. */
    void load(int i, float[] dst, int offset);

    @Override
    default void close() {}
}
