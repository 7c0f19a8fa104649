package io.qtune.eval;

import io.qtune.platform.Machine;
import io.qtune.report.EvalRecord;

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

    /** The JSON record of this evaluation on {@code machine} (the predictions stay out). */
    public EvalRecord record(Machine machine) {
        return new EvalRecord(top1, top5, count, imagesPerSecond, machine, nonFinite == 0 ? null : nonFinite);
    }

    /** Images whose true class scored first; exact, since top1 is this count divided by {@code count}. */
    public int top1Correct() {
        return (int) Math.round(top1 * count);
    }

    /** Images whose true class scored among the first five. */
    public int top5Correct() {
        return (int) Math.round(top5 * count);
    }

    /** The JSON record, with this process's machine. */
    public String toJson() {
        return record(Machine.current()).toJson();
    }

}
