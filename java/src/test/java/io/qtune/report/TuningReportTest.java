package io.qtune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TuningReportTest {
    /**
     * The field names and order of the JSON report as the untyped map wrote them before the records (checked once
     * against that writer, and the HTML against the map renderer, byte for byte); NaN is null, predicted_full only on
     * subset trials, history only with a work directory.
     */
    @Test
    void jsonKeepsTheReportsFieldsAndOrder() {
        String expected = """
                {"status":"met",
                "met":true,
                "stop_reason":null,
                "criterion":"relative:0.01","metric":"top1",
                "threshold":0.9108,
                "strategy":"sensitivity",
                "objective":"first-pass",
                "runtime":"onednn",
                "runtime_note":"a <note> & more",
                "fp32":{"accuracy":0.92,
                "images":1000,
                "throughput":400.25},
                "int8":{"candidate":"kl/per-channel/fp32=conv<1>",
                "stage":"full",
                "accuracy":0.92,
                "images":1000,
                "throughput":812.5,
                "int8_ops":2,
                "fp32_ops":["conv<1>"]},
                "int8_over_fp32":2.0299812617114306,
                "counts":{"trials":3,
                "full_evaluations":2,
                "subset_evaluations":1,
                "resumed":1},
                "plan":[{"op":"conv<1>",
                "precision":"FP32",
                "weights":"per-channel",
                "algorithm":"kl"},{"op":"conv2",
                "precision":"INT8",
                "weights":"per-channel",
                "algorithm":"kl"}],
                "layer_error_images":4,
                "layer_errors":[{"op":"conv<1>",
                "precision":"FP32",
                "sqnr_db":null,
                "cosine":1},{"op":"conv2",
                "precision":"INT8",
                "sqnr_db":31.4159,
                "cosine":0.99991}],
                "trials":[{"trial":1,
                "phase":"model-wide",
                "stage":"full",
                "algorithm":"minmax",
                "weights":"per-channel",
                "fp32_ops":[],
                "accuracy":0.91,
                "images":1000,
                "divergence":0.0123,
                "disagreements":17,
                "seconds":2.5,
                "throughput":null,
                "passed":false,
                "resumed":true},{"trial":2,
                "phase":"fallback",
                "stage":"subset",
                "algorithm":"kl",
                "weights":"per-tensor",
                "fp32_ops":["conv<1>",
                "conv2"],
                "accuracy":0.5,
                "images":100,
                "divergence":null,
                "disagreements":3,
                "seconds":0.5,
                "throughput":null,
                "passed":null,
                "resumed":false,
                "predicted_full":0.921},{"trial":3,
                "phase":"fallback",
                "stage":"full",
                "algorithm":"kl",
                "weights":"per-channel",
                "fp32_ops":["conv<1>"],
                "accuracy":0.92,
                "images":1000,
                "divergence":0.001,
                "disagreements":2,
                "seconds":3.25,
                "throughput":812.5,
                "passed":true,
                "resumed":false}],
                "seconds":{"calibration":1.5,
                "total":12.25},
                "outputs":{"model":"int8.pb",
                "plan":"int8.plan.json",
                "json":"int8.tune.json",
                "html":"int8.tune.html"},
                "warnings":["a warning with <b>"],
                "provenance":{"tool":"qtune 0.1.0",
                "java":"17.0.2",
                "model":"m.pb",
                "model_sha256":"ab12",
                "calib_spec":"fashion-mnist:train",
                "eval_spec":"fashion-mnist:test",
                "eval_content_sha256":"cd34",
                "eval_content_note":"sha256 note",
                "options":{"calib":"fashion-mnist:train",
                "calib_size":500,
                "time_budget_s":null}}}
                """.replace(",\n", ",").strip();
        assertEquals(expected, ReportFixtures.sample().toJson());
    }

    @Test
    void htmlShowsEverySectionAndEscapesNames() {
        String html = TuneReportHtml.render(ReportFixtures.sample());
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.endsWith("</body></html>\n"), html);
        for (String section : new String[] {"Tuning trace", "Throughput of timed plans", "Per-layer error of the written plan (SQNR vs FP32, dB; 4 images)",
                "Plan per op", "Trials", "Warnings", "Provenance"}) {
            assertTrue(html.contains("<h2>" + section), section);
        }
        assertTrue(html.contains("conv&lt;1&gt;"), "op names are escaped");
        assertFalse(html.contains("conv<1>"), "no raw op name");
        assertTrue(html.contains("onednn &mdash; a &lt;note&gt; &amp; more"), "runtime note escaped");
        assertTrue(html.contains("<td>1*</td>"), "resumed trial marked");
        assertTrue(html.contains("<td>91.00%</td>"), "top-1 as a percentage");
        assertTrue(html.contains("exact dB"), "an infinite SQNR is shown as exact");
        assertTrue(html.contains("3 (2 full evaluations, 1 subset evaluations, 1 read back from the history)"), html);
        assertTrue(html.contains("813 img/s, 2.03x FP32's speed here"), "INT8 over FP32, measured in the same run");
        TuningReport r = ReportFixtures.sample();
        TuningReport withFallback = new TuningReport(r.status(), r.met(), r.stopReason(), r.criterion(), r.metric(), r.threshold(),
                r.strategy(), r.objective(), r.runtime(), r.runtimeNote(), r.fp32(), r.int8(), r.counts(), r.plan(), r.layerErrorImages(),
                r.layerErrors(), r.trials(), r.seconds(), r.outputs(), r.warnings(), r.provenance(), null,
                new TuningReport.Fallback(List.of("int8", "bf16", "fp32"), "bf16 <native>", true, 1.0, 2.0));
        // the arrows are markup, the order and the reason text are escaped
        assertTrue(TuneReportHtml.render(withFallback).contains("int8 &rarr; bf16 &rarr; fp32 &mdash; bf16 &lt;native&gt;"));
    }

    @Test
    void aReportWithoutTimingsOrLayerErrorsHasNoSuchSections() {
        TuningReport r = ReportFixtures.sample();
        TuningReport bare = new TuningReport(r.status(), r.met(), "time budget", r.criterion(), r.metric(), r.threshold(), r.strategy(), r.objective(),
                r.runtime(), null, new TuningReport.Fp32(0.92, 1000, Double.NaN), r.int8(), r.counts(), r.plan(), null, List.of(),
                r.trials().subList(0, 2), r.seconds(), r.outputs(), List.of(), r.provenance(), null, null);
        String html = TuneReportHtml.render(bare);
        assertFalse(html.contains("Throughput of timed plans"));
        assertFalse(html.contains("Per-layer error"));
        assertFalse(html.contains("<h2>Warnings"));
        assertTrue(html.contains("(time budget)"));
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(bare.toJson(), "report");
        assertFalse(json.containsKey("layer_error_images"), "absent, not null, when no layer errors were measured");
        assertEquals(null, ((Map<?, ?>) json.get("fp32")).get("throughput"));
    }
}
