package io.qtune.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tuning report as one self-contained HTML page (inline CSS and SVG, nothing fetched), rendered from the same
 * map that is written as the JSON report, so the two never disagree.
 */
public final class TuneReport {
    private TuneReport() {}

    @SuppressWarnings("unchecked")
    public static String html(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>qtune tuning report</title><style>")
                .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
                .append("table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}")
                .append("th{background:#f0f0f0}.ok{color:#1a7f37;font-weight:bold}.bad{color:#b3261e;font-weight:bold}")
                .append(".mono{font-family:monospace}svg{background:#fafafa;border:1px solid #ddd}</style></head><body>");
        Map<String, Object> fp32 = (Map<String, Object>) r.get("fp32"), int8 = (Map<String, Object>) r.get("int8");
        String status = String.valueOf(r.get("status"));
        String metricId = String.valueOf(r.getOrDefault("metric", "top1"));
        String metric = esc(metricId.equals("top1") ? "top-1" : metricId.equals("top5") ? "top-5" : metricId);
        b.append("<h1>qtune tuning report</h1><p>Status: <span class=\"").append("met".equals(status) ? "ok" : "bad").append("\">")
                .append(esc(status)).append("</span>");
        if (r.get("stop_reason") != null) b.append(" (").append(esc(String.valueOf(r.get("stop_reason")))).append(")");
        b.append("</p><table>");
        row(b, "criterion", r.get("criterion") + " (pass at " + metric + " &ge; " + pct(r.get("threshold")) + ")");
        row(b, "strategy / objective", r.get("strategy") + " / " + r.get("objective"));
        row(b, "runtime", String.valueOf(r.get("runtime")) + (r.get("runtime_note") == null ? "" : " &mdash; " + esc(String.valueOf(r.get("runtime_note")))));
        row(b, "FP32 " + metric, pct(fp32.get("accuracy")) + " on " + fp32.get("images") + " images; " + num(fp32.get("throughput"), "%.0f") + " img/s");
        if (int8 != null) {
            row(b, "INT8 " + metric + " (written plan)", pct(int8.get("accuracy")) + " on " + int8.get("images") + " images ("
                    + esc(String.valueOf(int8.get("stage"))) + "); " + num(int8.get("throughput"), "%.0f") + " img/s");
            row(b, "written plan", "<span class=\"mono\">" + esc(String.valueOf(int8.get("candidate"))) + "</span>");
        }
        Map<String, Object> counts = (Map<String, Object>) r.get("counts");
        row(b, "trials", counts.get("trials") + " (" + counts.get("full_evaluations") + " full evaluations, " + counts.get("subset_evaluations")
                + " subset evaluations, " + counts.get("resumed") + " read back from the history)");
        Map<String, Object> secs = (Map<String, Object>) r.get("seconds");
        row(b, "time", num(secs.get("total"), "%.1f") + " s in all, " + num(secs.get("calibration"), "%.1f") + " s calibrating");
        b.append("</table>");

        List<Map<String, Object>> trials = (List<Map<String, Object>>) r.get("trials");
        b.append("<h2>Tuning trace: " + metric + " per trial</h2>").append(accuracyPlot(trials, fp32, r));
        b.append("<p style=\"font-size:12px\">Filled: full evaluation set; hollow: subset (screening), at the full-set top-1 it predicts. Green: passed. Dashed: FP32 and the pass threshold (full set).</p>");
        List<Map<String, Object>> timed = trials.stream().filter(t -> t.get("throughput") instanceof Number n && Double.isFinite(n.doubleValue())).toList();
        if (!timed.isEmpty()) b.append("<h2>Throughput of timed plans (img/s)</h2>").append(throughputPlot(timed, fp32));

        List<Map<String, Object>> layers = (List<Map<String, Object>>) r.get("layer_errors");
        if (layers != null && !layers.isEmpty()) {
            b.append("<h2>Per-layer error of the written plan (SQNR vs FP32, dB; ").append(r.get("layer_error_images"))
                    .append(" images)</h2>").append(layerPlot(layers));
        }
        b.append("<h2>Plan per op</h2><table><tr><th>#</th><th>op</th><th>precision</th><th>weights</th><th>activations</th><th>SQNR dB</th><th>cosine</th></tr>");
        List<Map<String, Object>> plan = (List<Map<String, Object>>) r.get("plan");
        int i = 0;
        for (Map<String, Object> op : plan) {
            Map<String, Object> le = layers == null ? null : layers.stream().filter(l -> l.get("op").equals(op.get("op"))).findFirst().orElse(null);
            b.append("<tr><td>").append(++i).append("</td><td class=\"mono\">").append(esc(String.valueOf(op.get("op")))).append("</td><td class=\"")
                    .append("FP32".equals(op.get("precision")) ? "bad" : "").append("\">").append(op.get("precision")).append("</td><td>")
                    .append(op.get("weights")).append("</td><td>").append(op.get("algorithm")).append("</td><td>")
                    .append(le == null ? "" : num(le.get("sqnr_db"), "%.1f")).append("</td><td>").append(le == null ? "" : num(le.get("cosine"), "%.5f"))
                    .append("</td></tr>");
        }
        b.append("</table><h2>Trials</h2><table><tr><th>#</th><th>phase</th><th>stage</th><th>plan</th><th>" + metric + "</th><th>KL vs FP32</th><th>img/s</th><th>passed</th><th>s</th></tr>");
        for (Map<String, Object> t : trials) {
            List<Object> ops = (List<Object>) t.get("fp32_ops");
            String plan1 = t.get("algorithm") + "/" + t.get("weights") + (ops.isEmpty() ? "" : " + " + ops.size() + " FP32: " + String.join(", ", ops.stream().map(String::valueOf).toList()));
            b.append("<tr><td>").append(t.get("trial")).append(Boolean.TRUE.equals(t.get("resumed")) ? "*" : "").append("</td><td>").append(t.get("phase"))
                    .append("</td><td>").append(t.get("stage")).append("</td><td class=\"mono\" style=\"max-width:420px;word-break:break-all\">").append(esc(plan1))
                    .append("</td><td>").append(pct(t.get("accuracy"))).append("</td><td>").append(num(t.get("divergence"), "%.5f")).append("</td><td>")
                    .append(num(t.get("throughput"), "%.0f")).append("</td><td>").append(t.get("passed") == null ? "" : t.get("passed")).append("</td><td>")
                    .append(num(t.get("seconds"), "%.1f")).append("</td></tr>");
        }
        b.append("</table><p style=\"font-size:12px\">* read back from the work directory's history.</p>");
        List<Object> warnings = (List<Object>) r.get("warnings");
        if (warnings != null && !warnings.isEmpty()) {
            b.append("<h2>Warnings</h2><ul>");
            for (Object w : warnings) b.append("<li>").append(esc(String.valueOf(w))).append("</li>");
            b.append("</ul>");
        }
        b.append("<h2>Provenance</h2><pre style=\"font-size:11px;white-space:pre-wrap\">")
                .append(esc(io.qtune.Json.write(r.get("provenance")).replace(",\"", ",\n\""))).append("</pre></body></html>\n");
        return b.toString();
    }

    private static String accuracyPlot(List<Map<String, Object>> trials, Map<String, Object> fp32, Map<String, Object> r) {
        int w = 1000, h = 300, l = 60, rt = 20, t = 15, bt = 35;
        List<Double> ys = new ArrayList<>();
        for (Map<String, Object> tr : trials) ys.add(d(tr.get(tr.get("predicted_full") != null ? "predicted_full" : "accuracy")));
        double fp = d(fp32.get("accuracy")), th = d(r.get("threshold"));
        double lo = Math.min(th, ys.stream().mapToDouble(x -> x).filter(Double::isFinite).min().orElse(th)), hi = Math.max(fp, ys.stream().mapToDouble(x -> x).filter(Double::isFinite).max().orElse(fp));
        double pad = Math.max(0.002, (hi - lo) * 0.08);
        lo -= pad;
        hi += pad;
        int n = Math.max(1, trials.size());
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\">");
        axes(s, w, h, l, rt, t, bt, lo, hi, "%.1f%%", 100, n);
        double flo = lo, fhi = hi;
        java.util.function.DoubleUnaryOperator y = v -> t + (h - t - bt) * (fhi - v) / (fhi - flo);
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\">FP32</text>", l, w - rt, y.applyAsDouble(fp), y.applyAsDouble(fp), w - rt - 40, y.applyAsDouble(fp) - 3));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#b3261e\" stroke-dasharray=\"3 3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#b3261e\">threshold</text>", l, w - rt, y.applyAsDouble(th), y.applyAsDouble(th), w - rt - 70, y.applyAsDouble(th) + 12));
        for (int i = 0; i < trials.size(); i++) {
            Map<String, Object> tr = trials.get(i);
            double v = ys.get(i);
            if (!Double.isFinite(v)) continue;
            double x = l + (w - l - rt) * (i + 0.5) / n;
            boolean full = "full".equals(tr.get("stage"));
            String color = Boolean.TRUE.equals(tr.get("passed")) ? "#1a7f37" : full ? "#b3261e" : "#3366cc";
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\"><title>#%s %s %s: %.4f</title></circle>",
                    x, y.applyAsDouble(v), full ? color : "none", color, tr.get("trial"), tr.get("phase"), tr.get("stage"), v));
        }
        return s.append("</svg>").toString();
    }

    private static String throughputPlot(List<Map<String, Object>> timed, Map<String, Object> fp32) {
        int w = 1000, h = 60 + 24 * (timed.size() + 1), l = 300;
        double max = d(fp32.get("throughput"));
        for (Map<String, Object> t : timed) max = Math.max(max, d(t.get("throughput")));
        if (!Double.isFinite(max) || max <= 0) max = 1;
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\">");
        int yy = 20;
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {"FP32", d(fp32.get("throughput")), "#888"});
        for (Map<String, Object> t : timed) {
            rows.add(new Object[] {"#" + t.get("trial") + " " + t.get("algorithm") + "/" + t.get("weights") + " +" + ((List<?>) t.get("fp32_ops")).size() + " FP32",
                    d(t.get("throughput")), Boolean.TRUE.equals(t.get("passed")) ? "#1a7f37" : "#b3261e"});
        }
        for (Object[] row : rows) {
            double v = (double) row[1];
            double bw = Double.isFinite(v) ? (w - l - 80) * v / max : 0;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>",
                    l - 6, yy + 12, esc((String) row[0]), l, yy, bw, row[2], l + bw + 4, yy + 12, Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : "n/a"));
            yy += 24;
        }
        return s.append("</svg>").toString();
    }

    private static String layerPlot(List<Map<String, Object>> layers) {
        int w = 1000, h = 280, l = 60, rt = 20, t = 15, bt = 35;
        double hi = 10;
        for (Map<String, Object> e : layers) if (Double.isFinite(d(e.get("sqnr_db")))) hi = Math.max(hi, d(e.get("sqnr_db")));
        hi = Math.ceil(hi / 10) * 10;
        int n = layers.size();
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\">");
        axes(s, w, h, l, rt, t, bt, 0, hi, "%.0f", 1, n);
        double bw = (double) (w - l - rt) / n;
        for (int i = 0; i < n; i++) {
            Map<String, Object> e = layers.get(i);
            double v = d(e.get("sqnr_db"));
            boolean exact = !Double.isFinite(v);
            double shown = exact ? hi : Math.max(0, v);
            double bh = (h - t - bt) * shown / hi;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s (%s): %s dB, cosine %s</title></rect>",
                    l + i * bw + 1, h - bt - bh, Math.max(1, bw - 2), bh, "FP32".equals(e.get("precision")) ? "#bbb" : "#3366cc",
                    esc(String.valueOf(e.get("op"))), e.get("precision"), exact ? "exact" : String.format(Locale.ROOT, "%.1f", v), num(e.get("cosine"), "%.5f")));
        }
        s.append("<text x=\"").append(l).append("\" y=\"").append(h - 5).append("\" font-size=\"11\">layers in graph order (grey: FP32 op, error inherited from INT8 layers before it)</text>");
        return s.append("</svg>").toString();
    }

    private static void axes(StringBuilder s, int w, int h, int l, int rt, int t, int bt, double lo, double hi, String fmt, double mult, int n) {
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
                l, t, l, h - bt, l, h - bt, w - rt, h - bt));
        for (int k = 0; k <= 4; k++) {
            double v = lo + (hi - lo) * k / 4;
            double y = t + (h - t - bt) * (hi - v) / (hi - lo);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                    l, w - rt, y, y, l - 4, y + 4, String.format(Locale.ROOT, fmt, v * mult)));
        }
        int step = Math.max(1, n / 20);
        for (int i = 0; i < n; i += step) {
            double x = l + (w - l - rt) * (i + 0.5) / n;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%d</text>", x, h - bt + 14, i + 1));
        }
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(esc(k)).append("</th><td>").append(v).append("</td></tr>");
    }

    private static double d(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String pct(Object o) {
        double v = d(o);
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : "n/a";
    }

    private static String num(Object o, String fmt) {
        double v = d(o);
        return Double.isFinite(v) ? String.format(Locale.ROOT, fmt, v) : "";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
