package io.qtune.eval;

import io.qtune.InvalidSetting;
import java.util.Objects;

/**
 * What "accuracy" means for evaluation and for the tuning criterion: top-1 or top-5 over the labeled evaluation
 * images, or a user's {@link EvalFunction}. Higher is better; the criterion's relative and absolute tolerances apply to
 * the score in the metric's own units.
 */
public sealed interface Metric permits Metric.TopK, Metric.Custom {
    /** The name reports and histories show: {@code top1}, {@code top5} or the user's. */
    String id();

    /** Top-k accuracy over the labeled evaluation images (ties favour the true class, as TF's in_top_k). */
    enum TopK implements Metric {
        TOP1(1), TOP5(5);

        private final int k;

        TopK(int k) {
            this.k = k;
        }

        @Override
        public String id() {
            return "top" + k;
        }

        public int k() {
            return k;
        }

        /** The score of an evaluation under this metric. */
        public double of(EvalResult r) {
            return k == 1 ? r.top1() : r.top5();
        }

        /** Correct images of an evaluation under this metric. */
        public int correct(EvalResult r) {
            return k == 1 ? r.top1Correct() : r.top5Correct();
        }
    }

    /** A user's score of the candidate model (the FP32 model is given for reference). */
    record Custom(String name, EvalFunction function) implements Metric {
        public Custom {
            if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.:-]*")) {
                throw new InvalidSetting("metric", "name '" + name + "' must be letters, digits, '_', '.', ':' or '-'");
            }
            Objects.requireNonNull(function, "function");
            if (name.equals("top1") || name.equals("top5")) throw new InvalidSetting("metric", "name '" + name + "' is built in");
        }

        @Override
        public String id() {
            return name;
        }
    }

    Metric TOP1 = TopK.TOP1;
    Metric TOP5 = TopK.TOP5;

    static Metric custom(String name, EvalFunction function) {
        return new Custom(name, function);
    }

    /** {@code top1} or {@code top5}. */
    static TopK parse(String s) {
        return switch (s == null ? "" : s) {
            case "top1" -> TopK.TOP1;
            case "top5" -> TopK.TOP5;
            default -> throw new InvalidSetting("metric", "must be top1 or top5, got '" + s + "'");
        };
    }
}
