package io.qtune.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small tuning report with every kind of row: resumed, subset, unmeasured (NaN), exact layer, escaped names. */
final class ReportFixtures {
    private ReportFixtures() {}

    static TuningReport sample() {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("calib", "fashion-mnist:train");
        options.put("calib_size", 500);
        options.put("time_budget_s", null);
        Provenance p = new Provenance("qtune 0.1.0", "17.0.2", "m.pb", "ab12", "fashion-mnist:train", "fashion-mnist:test", "cd34",
                "sha256 note", options);
        List<TuningReport.TrialRow> trials = List.of(
                new TuningReport.TrialRow(1, "model-wide", "full", "minmax", "per-channel", List.of(), 0.91, 1000, 0.0123, 17, 2.5, Double.NaN,
                        false, true, null),
                new TuningReport.TrialRow(2, "fallback", "subset", "kl", "per-tensor", List.of("conv<1>", "conv2"), 0.5, 100, Double.NaN, 3, 0.5,
                        Double.NaN, null, false, 0.921),
                new TuningReport.TrialRow(3, "fallback", "full", "kl", "per-channel", List.of("conv<1>"), 0.92, 1000, 0.001, 2, 3.25, 812.5,
                        true, false, null));
        return new TuningReport("met", true, null, "relative:0.01", "top1", 0.9108, "sensitivity", "first-pass", "onednn", "a <note> & more",
                new TuningReport.Fp32(0.92, 1000, 400.25),
                new TuningReport.Int8("kl/per-channel/fp32=conv<1>", "full", 0.92, 1000, 812.5, 2, List.of("conv<1>")),
                new TuningReport.Counts(3, 2, 1, 1),
                List.of(new TuningReport.PlanRow("conv<1>", "FP32", "per-channel", "kl"), new TuningReport.PlanRow("conv2", "INT8", "per-channel", "kl")),
                4, List.of(new TuningReport.LayerErrorRow("conv<1>", "FP32", Double.POSITIVE_INFINITY, 1.0),
                        new TuningReport.LayerErrorRow("conv2", "INT8", 31.4159, 0.99991)),
                trials, new TuningReport.Seconds(1.5, 12.25),
                new TuningReport.Outputs("int8.pb", "int8.plan.json", "int8.tune.json", "int8.tune.html", null),
                List.of("a warning with <b>"), p, null, null);
    }
}
