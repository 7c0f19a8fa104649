package io.qtune.eval;

/** Anything that turns a batch of preprocessed NHWC images into class scores: an engine under evaluation. */
public interface Classifier extends AutoCloseable {
    /** Number of model outputs per image (1001 for the MLPerf ResNet50, with background class 0). */
    int classes();

    /** Scores (softmax probabilities) for {@code batch} images, batch x classes, row-major. */
    float[] scores(float[] nhwc, int batch);

    @Override
    default void close() {}
}
