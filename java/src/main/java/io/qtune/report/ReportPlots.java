package io.qtune.report;

import static io.qtune.report.TuneReportHtml.esc;
import static io.qtune.report.TuneReportHtml.num;

import io.qtune.report.TuningReport.LayerErrorRow;
import io.qtune.report.TuningReport.TrialRow;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/** The report's inline SVG plots: accuracy per trial, throughput of timed plans, per-layer error. */
final class ReportPlots {
    private static final int WIDTH = 1000, LEFT = 60, RIGHT = 20, TOP = 15, BOTTOM = 35;

    private ReportPlots() {}

    /** Top-1 per trial (a subset trial at the full-set top-1 it predicts), with FP32 and the threshold as dashed lines. */
    static String accuracy(List<TrialRow> trials, double fp32, double threshold) {
        int h = 300;
        double[] ys = trials.stream().mapToDouble(t -> t.predictedFull() != null ? t.predictedFull() : t.accuracy()).toArray();
        double lo = Math.min(threshold, java.util.Arrays.stream(ys).filter(Double::isFinite).min().orElse(threshold));
        double hi = Math.max(fp32, java.util.Arrays.stream(ys).filter(Double::isFinite).max().orElse(fp32));
        double pad = Math.max(0.002, (hi - lo) * 0.08);
        double flo = lo - pad, fhi = hi + pad;
        int n = Math.max(1, trials.size());
        StringBuilder s = svg(h);
        axes(s, h, flo, fhi, "%.1f%%", 100, n);
        DoubleUnaryOperator y = v -> TOP + (h - TOP - BOTTOM) * (fhi - v) / (fhi - flo);
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\">FP32</text>",
                LEFT, WIDTH - RIGHT, y.applyAsDouble(fp32), y.applyAsDouble(fp32), WIDTH - RIGHT - 40, y.applyAsDouble(fp32) - 3));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#b3261e\" stroke-dasharray=\"3 3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#b3261e\">threshold</text>",
                LEFT, WIDTH - RIGHT, y.applyAsDouble(threshold), y.applyAsDouble(threshold), WIDTH - RIGHT - 70, y.applyAsDouble(threshold) + 12));
        for (int i = 0; i < trials.size(); i++) {
            TrialRow t = trials.get(i);
            double v = ys[i];
            if (!Double.isFinite(v)) continue;
            double x = LEFT + (WIDTH - LEFT - RIGHT) * (i + 0.5) / n;
            boolean full = "full".equals(t.stage());
            String color = Boolean.TRUE.equals(t.passed()) ? "#1a7f37" : full ? "#b3261e" : "#3366cc";
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\"><title>#%s %s %s: %.4f</title></circle>",
                    x, y.applyAsDouble(v), full ? color : "none", color, t.trial(), t.phase(), t.stage(), v));
        }
        return s.append("</svg>").toString();
    }

    /** One bar per timed plan, FP32 first. */
    static String throughput(List<TrialRow> timed, double fp32) {
        int h = 60 + 24 * (timed.size() + 1), l = 300;
        double max = fp32;
        for (TrialRow t : timed) max = Math.max(max, t.throughput());
        if (!Double.isFinite(max) || max <= 0) max = 1;
        StringBuilder s = svg(h);
        int yy = 20;
        yy = bar(s, l, yy, max, "FP32", fp32, "#888");
        for (TrialRow t : timed) {
            String label = "#" + t.trial() + " " + t.algorithm() + "/" + t.weights() + (t.bf16Ops().isEmpty() ? "" : " +" + t.bf16Ops().size() + " BF16")
                    + " +" + t.fp32Ops().size() + " FP32";
            yy = bar(s, l, yy, max, label, t.throughput(), Boolean.TRUE.equals(t.passed()) ? "#1a7f37" : "#b3261e");
        }
        return s.append("</svg>").toString();
    }

    private static int bar(StringBuilder s, int l, int yy, double max, String label, double v, String color) {
        double bw = Double.isFinite(v) ? (WIDTH - l - 80) * v / max : 0;
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>",
                l - 6, yy + 12, esc(label), l, yy, bw, color, l + bw + 4, yy + 12, Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : "n/a"));
        return yy + 24;
    }

    /** SQNR per layer in graph order; an exact layer (infinite SQNR) is drawn full height. */
    static String layers(List<LayerErrorRow> layers) {
        int h = 280;
        double hi = 10;
        for (LayerErrorRow e : layers) if (Double.isFinite(e.sqnrDb())) hi = Math.max(hi, e.sqnrDb());
        hi = Math.ceil(hi / 10) * 10;
        int n = layers.size();
        StringBuilder s = svg(h);
        axes(s, h, 0, hi, "%.0f", 1, n);
        double bw = (double) (WIDTH - LEFT - RIGHT) / n;
        for (int i = 0; i < n; i++) {
            LayerErrorRow e = layers.get(i);
            double v = e.sqnrDb();
            boolean exact = !Double.isFinite(v);
            double shown = exact ? hi : Math.max(0, v);
            double bh = (h - TOP - BOTTOM) * shown / hi;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s (%s): %s dB, cosine %s</title></rect>",
                    LEFT + i * bw + 1, h - BOTTOM - bh, Math.max(1, bw - 2), bh, "FP32".equals(e.precision()) ? "#bbb" : "#3366cc",
                    esc(e.op()), e.precision(), exact ? "exact" : String.format(Locale.ROOT, "%.1f", v), num(e.cosine(), "%.5f")));
        }
        s.append("<text x=\"").append(LEFT).append("\" y=\"").append(h - 5)
                .append("\" font-size=\"11\">layers in graph order (grey: FP32 op, error inherited from INT8 layers before it)</text>");
        return s.append("</svg>").toString();
    }

    private static StringBuilder svg(int h) {
        return new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + h + "\">");
    }

    private static void axes(StringBuilder s, int h, double lo, double hi, String fmt, double mult, int n) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
                LEFT, TOP, LEFT, h - BOTTOM, LEFT, h - BOTTOM, WIDTH - RIGHT, h - BOTTOM));
        for (int k = 0; k <= 4; k++) {
            double v = lo + (hi - lo) * k / 4;
            double y = TOP + (h - TOP - BOTTOM) * (hi - v) / (hi - lo);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                    LEFT, WIDTH - RIGHT, y, y, LEFT - 4, y + 4, String.format(Locale.ROOT, fmt, v * mult)));
        }
        int step = Math.max(1, n / 20);
        for (int i = 0; i < n; i += step) {
            double x = LEFT + (WIDTH - LEFT - RIGHT) * (i + 0.5) / n;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%d</text>", x, h - BOTTOM + 14, i + 1));
        }
    }
}
