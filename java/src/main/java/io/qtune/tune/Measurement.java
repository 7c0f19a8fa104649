package io.qtune.tune;

/**
 * What one evaluation of a plan gave: top-1 over {@code images}; on the subset also the mean KL divergence of the
 * softmax from FP32's and the number of images whose top-1 class differs from FP32's (NaN / -1 when not measured).
 */
public record Measurement(double accuracy, int images, double divergence, int disagreements, double seconds) {
    public static Measurement full(double accuracy, int images, double seconds) {
        return new Measurement(accuracy, images, Double.NaN, -1, seconds);
    }
}
