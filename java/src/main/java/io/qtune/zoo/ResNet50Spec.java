package io.qtune.zoo;

import io.qtune.QtuneException;

/**
 * Shape and seed of a ResNet50-v1.5 graph in the MLPerf layout.
 *
 * @param widthMultiplier scales every stage's filter count (64, 128, 256, 512); 1.0 is the real ResNet50
 * @param imageSize input height and width; at least 32 so the five stride-2 reductions leave a 1x1 map
 * @param classes number of outputs of the dense layer (1001 for MLPerf: class 0 is background)
 * @param seed seed of the synthetic weights and of the images used to choose batch-norm statistics
 */
public record ResNet50Spec(double widthMultiplier, int imageSize, int classes, long seed) {
    public static final double DEFAULT_WIDTH = 1.0;
    public static final int DEFAULT_IMAGE_SIZE = 224;
    public static final int DEFAULT_CLASSES = 1001;
    /** Five stride-2 reductions (stem conv, max pool, stages 2-4) need at least 2^5 pixels. */
    public static final int MIN_IMAGE_SIZE = 32;
    /** Beyond this one activation tensor stops fitting a Java array. */
    public static final int MAX_IMAGE_SIZE = 2048;
    public static final double MAX_WIDTH = 8.0;

    public ResNet50Spec {
        if (!(widthMultiplier > 0) || widthMultiplier > MAX_WIDTH || Double.isNaN(widthMultiplier)) {
            throw new io.qtune.InvalidSetting("widthMultiplier", "must be in (0, " + MAX_WIDTH + "], got " + widthMultiplier);
        }
        if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
            throw new io.qtune.InvalidSetting("imageSize", "must be in " + MIN_IMAGE_SIZE + ".." + MAX_IMAGE_SIZE
                    + " (five stride-2 reductions need at least " + MIN_IMAGE_SIZE + " pixels), got " + imageSize);
        }
        if (classes < 1) {
            throw new io.qtune.InvalidSetting("classes", "must be at least 1, got " + classes);
        }
    }

    /** The MLPerf model: width 1, 224x224, 1001 classes, seed 0. */
    public static ResNet50Spec mlperf() {
        return new ResNet50Spec(DEFAULT_WIDTH, DEFAULT_IMAGE_SIZE, DEFAULT_CLASSES, 0);
    }

    public ResNet50Spec withWidthMultiplier(double w) {
        return new ResNet50Spec(w, imageSize, classes, seed);
    }

    public ResNet50Spec withImageSize(int s) {
        return new ResNet50Spec(widthMultiplier, s, classes, seed);
    }

    public ResNet50Spec withClasses(int c) {
        return new ResNet50Spec(widthMultiplier, imageSize, c, seed);
    }

    public ResNet50Spec withSeed(long s) {
        return new ResNet50Spec(widthMultiplier, imageSize, classes, s);
    }
}
