package io.qtune.eval;

/**
 * Accuracy of one evaluation: top-1 and top-5 over {@code count} images, the throughput seen including decoding,
 * and each image's top-1 model class (to compare engines image by image).
 */
public record EvalResult(double top1, double top5, int count, double imagesPerSecond, int[] predictions) {
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
        return String.format(java.util.Locale.ROOT, "{\"top1\":%.6f,\"top5\":%.6f,\"count\":%d,\"images_per_second\":%.3f}",
                top1, top5, count, imagesPerSecond);
    }

    /** As {@link #toJson()}, with the machine that measured it (its images/s mean nothing without it). */
    public String toJson(java.util.Map<String, Object> machine) {
        String j = toJson();
        return j.substring(0, j.length() - 1) + ",\"machine\":" + io.qtune.Json.write(machine) + "}";
    }
}
