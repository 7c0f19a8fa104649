package io.qtune.tune;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import java.util.Locale;

/**
 * When an INT8 accuracy is good enough: within a relative fraction of the FP32 accuracy ({@code relative:0.01}, the
 * MLPerf 99% rule) or within an absolute drop ({@code absolute:0.005}, in the metric's units: top-1 by default).
 */
public record AccuracyCriterion(Kind kind, double tolerance) {
    public enum Kind { RELATIVE, ABSOLUTE }

    public static final String FORMS = "relative:F or absolute:F with 0 <= F < 1";

    public AccuracyCriterion {
        if (kind == null) throw new QtuneException("accuracy criterion: kind is missing");
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new QtuneException("accuracy criterion: tolerance must be in [0, 1), got " + tolerance);
        }
    }

    public static AccuracyCriterion parse(String spec) {
        if (spec == null) throw new InvalidSetting("criterion", "is empty: use " + FORMS);
        int colon = spec.indexOf(':');
        if (colon < 0) throw new InvalidSetting("criterion", "'" + spec + "' has no ':': use " + FORMS);
        Kind kind = switch (spec.substring(0, colon).trim().toLowerCase(Locale.ROOT)) {
            case "relative" -> Kind.RELATIVE;
            case "absolute" -> Kind.ABSOLUTE;
            default -> throw new InvalidSetting("criterion", "'" + spec + "': unknown kind '" + spec.substring(0, colon) + "', use " + FORMS);
        };
        double t;
        try {
            t = Double.parseDouble(spec.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
            throw new InvalidSetting("criterion", "'" + spec + "': '" + spec.substring(colon + 1) + "' is not a number, use " + FORMS);
        }
        if (!(t >= 0 && t < 1)) throw new InvalidSetting("criterion", "'" + spec + "': tolerance must be in [0, 1), use " + FORMS);
        return new AccuracyCriterion(kind, t);
    }

    /** The lowest accuracy that passes, given the FP32 accuracy on the same images. */
    public double threshold(double fp32Accuracy) {
        return kind == Kind.RELATIVE ? fp32Accuracy * (1 - tolerance) : fp32Accuracy - tolerance;
    }

    /** Accuracies are fractions of whole images; the epsilon keeps exact ties (0.9 * 0.99 vs 0.891) passing. */
    public boolean passes(double accuracy, double fp32Accuracy) {
        return accuracy >= threshold(fp32Accuracy) - 1e-12;
    }

    public String spec() {
        return (kind == Kind.RELATIVE ? "relative:" : "absolute:") + stripZeros(tolerance);
    }

    private static String stripZeros(double d) {
        String s = String.format(Locale.ROOT, "%.10f", d).replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }

    @Override
    public String toString() {
        return spec();
    }
}
