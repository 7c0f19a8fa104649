package io.qtune.eval;

/**
 * Accuracy of one evaluation: top-1 and top-5 over {@code count} images, the throughput seen including decoding,
 * each image's top-1 model class (to compare engines image by image), and how many images got a non-finite score
 * (NaN or infinity; never counted correct).
 */
public record EvalResult(double top1, double top5, int count, double imagesPerSecond, int[] predictions, int nonFinite) {
    public EvalResult(double top1, double top5, int count, double imagesPerSecond, int[] predictions) {
        this(top1, top5, count, imagesPerSecond, predictions, 0);
    }

    /** Fraction of images on which two evaluations of the same data predict the same class. */
    public double agreementWith(EvalResult other) {
        if (other.predictions.length != predictions.length) {
            throw new IllegalArgumentException("evaluations cover " + predictions.length + " and " + other.predictions.length + " images");
        }
        int same = 0;
        for (int i = 0; i < predictions.length; i++) if (predictions[i] == other.predictions[i]) same++;
        return predictions.length == 0 ? 1 : (double) same / predictions.length;
    }

    public String toJson() {
        return String.format(java.util.Locale.ROOT, "{\"top1\":%.6f,\"top5\":%.6f,\"count\":%d,\"images_per_second\":%.3f%s}",
                top1, top5, count, imagesPerSecond, nonFinite == 0 ? "" : ",\"non_finite\":" + nonFinite);
    }
}
