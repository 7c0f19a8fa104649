package io.qtune.report;

import io.qtune.Json;
import io.qtune.report.TuningReport.LayerErrorRow;
import io.qtune.report.TuningReport.PlanRow;
import io.qtune.report.TuningReport.TrialRow;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The tuning report as one self-contained HTML page (inline CSS and SVG, nothing fetched), one method per section. */
public final class TuneReportHtml {
    private static final String STYLE = "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
            + "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
            + "th{background:#f0f0f0}.ok{color:#1a7f37;font-weight:bold}.bad{color:#b3261e;font-weight:bold}"
            + ".mono{font-family:monospace}svg{background:#fafafa;border:1px solid #ddd}";

    private TuneReportHtml() {}

    public static String render(TuningReport r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>qtune tuning report</title><style>").append(STYLE)
                .append("</style></head><body>");
        summary(b, r);
        trace(b, r);
        layerErrors(b, r);
        planTable(b, r);
        trialTable(b, r.trials(), metricName(r));
        warnings(b, r.warnings());
        provenance(b, r.provenance());
        return b.append("</body></html>\n").toString();
    }

    private static void summary(StringBuilder b, TuningReport r) {
        b.append("<h1>qtune tuning report</h1><p>Status: <span class=\"").append("met".equals(r.status()) ? "ok" : "bad").append("\">")
                .append(esc(r.status())).append("</span>");
        if (r.stopReason() != null) b.append(" (").append(esc(r.stopReason())).append(")");
        b.append("</p><table>");
        String metric = metricName(r);
        row(b, "criterion", r.criterion() + " (pass at " + metric + " &ge; " + pct(r.threshold()) + ")");
        row(b, "strategy / objective", r.strategy() + " / " + r.objective());
        row(b, "runtime", r.runtime() + (r.runtimeNote() == null ? "" : " &mdash; " + esc(r.runtimeNote())));
        row(b, "FP32 " + metric, pct(r.fp32().accuracy()) + " on " + r.fp32().images() + " images; " + num(r.fp32().throughput(), "%.0f") + " img/s");
        TuningReport.Int8 int8 = r.int8();
        if (int8 != null) {
            row(b, "INT8 " + metric + " (written plan)", pct(int8.accuracy()) + " on " + int8.images() + " images (" + esc(int8.stage()) + "); "
                    + num(int8.throughput(), "%.0f") + " img/s"
                    + (Double.isFinite(r.int8OverFp32()) ? ", " + num(r.int8OverFp32(), "%.2f") + "x FP32's speed here" : ""));
            row(b, "written plan", "<span class=\"mono\">" + esc(int8.candidate()) + "</span>");
        }
        TuningReport.Counts c = r.counts();
        row(b, "trials", c.trials() + " (" + c.fullEvaluations() + " full evaluations, " + c.subsetEvaluations() + " subset evaluations, "
                + c.resumed() + " read back from the history)");
        row(b, "time", num(r.seconds().total(), "%.1f") + " s in all, " + num(r.seconds().calibration(), "%.1f") + " s calibrating");
        if (r.fallback() != null) row(b, "fallback order", String.join(" &rarr; ", r.fallback().order().stream().map(TuneReportHtml::esc).toList()) + " &mdash; " + esc(r.fallback().why()));
        b.append("</table>");
    }

    /** How the score is named: top-1 and top-5 as usual, a user's metric by its id. */
    static String metricName(TuningReport r) {
        String id = r.metric() == null ? "top1" : r.metric();
        return esc(id.equals("top1") ? "top-1" : id.equals("top5") ? "top-5" : id);
    }

    private static void trace(StringBuilder b, TuningReport r) {
        b.append("<h2>Tuning trace: " + metricName(r) + " per trial</h2>").append(ReportPlots.accuracy(r.trials(), r.fp32().accuracy(), r.threshold()));
        b.append("<p style=\"font-size:12px\">Filled: full evaluation set; hollow: subset (screening), at the full-set top-1 it predicts. "
                + "Green: passed. Dashed: FP32 and the pass threshold (full set).</p>");
        List<TrialRow> timed = r.trials().stream().filter(t -> Double.isFinite(t.throughput())).toList();
        if (!timed.isEmpty()) b.append("<h2>Throughput of timed plans (img/s)</h2>").append(ReportPlots.throughput(timed, r.fp32().throughput()));
    }

    private static void layerErrors(StringBuilder b, TuningReport r) {
        if (r.layerErrors().isEmpty()) return;
        b.append("<h2>Per-layer error of the written plan (SQNR vs FP32, dB; ").append(r.layerErrorImages())
                .append(" images)</h2>").append(ReportPlots.layers(r.layerErrors()));
    }

    private static void planTable(StringBuilder b, TuningReport r) {
        Map<String, LayerErrorRow> errors = r.layerErrors().stream()
                .collect(Collectors.toMap(LayerErrorRow::op, Function.identity(), (first, later) -> first));
        b.append("<h2>Plan per op</h2><table><tr><th>#</th><th>op</th><th>precision</th><th>weights</th><th>activations</th><th>SQNR dB</th><th>cosine</th></tr>");
        int i = 0;
        for (PlanRow op : r.plan()) {
            LayerErrorRow le = errors.get(op.op());
            b.append("<tr><td>").append(++i).append("</td><td class=\"mono\">").append(esc(op.op())).append("</td><td class=\"")
                    .append("FP32".equals(op.precision()) ? "bad" : "").append("\">").append(op.precision()).append("</td><td>")
                    .append(op.weights()).append("</td><td>").append(op.algorithm()).append("</td><td>")
                    .append(le == null ? "" : num(le.sqnrDb(), "%.1f")).append("</td><td>").append(le == null ? "" : num(le.cosine(), "%.5f"))
                    .append("</td></tr>");
        }
        b.append("</table>");
    }

    private static void trialTable(StringBuilder b, List<TrialRow> trials, String metric) {
        b.append("<h2>Trials</h2><table><tr><th>#</th><th>phase</th><th>stage</th><th>plan</th><th>" + metric + "</th><th>KL vs FP32</th><th>img/s</th>"
                + "<th>passed</th><th>s</th></tr>");
        for (TrialRow t : trials) {
            b.append("<tr><td>").append(t.trial()).append(t.resumed() ? "*" : "").append("</td><td>").append(t.phase())
                    .append("</td><td>").append(t.stage()).append("</td><td class=\"mono\" style=\"max-width:420px;word-break:break-all\">")
                    .append(esc(t.planText())).append("</td><td>").append(pct(t.accuracy())).append("</td><td>").append(num(t.divergence(), "%.5f"))
                    .append("</td><td>").append(num(t.throughput(), "%.0f")).append("</td><td>").append(t.passed() == null ? "" : t.passed())
                    .append("</td><td>").append(num(t.seconds(), "%.1f")).append("</td></tr>");
        }
        b.append("</table><p style=\"font-size:12px\">* read back from the work directory's history.</p>");
    }

    private static void warnings(StringBuilder b, List<String> warnings) {
        if (warnings.isEmpty()) return;
        b.append("<h2>Warnings</h2><ul>");
        for (String w : warnings) b.append("<li>").append(esc(w)).append("</li>");
        b.append("</ul>");
    }

    private static void provenance(StringBuilder b, Provenance p) {
        b.append("<h2>Provenance</h2><pre style=\"font-size:11px;white-space:pre-wrap\">")
                .append(esc(Json.write(p).replace(",\"", ",\n\""))).append("</pre>");
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(esc(k)).append("</th><td>").append(v).append("</td></tr>");
    }

    static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : "n/a";
    }

    static String num(double v, String fmt) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, fmt, v) : "";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
