package io.qtune.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.qtune.Json;
import io.qtune.platform.Machine;
import java.util.List;

/**
 * The tuning report: what {@code tune} measured and wrote, as data. {@link #toJson()} gives the JSON report and
 * {@link TuneReportHtml} the HTML page, both from this one value, so the two never disagree. Unmeasured numbers are NaN
 * (null in JSON). {@code machine} is where it ran (left out when unknown).
 */
// the ratio derived from fp32 and int8 stands beside them; the machine stays last (SharedRecordsTest)
@com.fasterxml.jackson.annotation.JsonPropertyOrder({"status", "met", "stop_reason", "criterion", "metric", "threshold", "strategy",
        "objective", "runtime", "runtime_note", "fp32", "int8", "int8_over_fp32"})
public record TuningReport(String status, boolean met, String stopReason, String criterion, String metric, double threshold, String strategy,
                           String objective, String runtime, String runtimeNote, Fp32 fp32, Int8 int8, Counts counts,
                           List<PlanRow> plan, @JsonInclude(JsonInclude.Include.NON_NULL) Integer layerErrorImages,
                           List<LayerErrorRow> layerErrors, List<TrialRow> trials, Seconds seconds, Outputs outputs,
                           List<String> warnings, Provenance provenance,
                           @JsonInclude(JsonInclude.Include.NON_NULL) @JsonSerialize(using = MachineJson.class) Machine machine,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Fallback fallback) {
    public TuningReport {
        plan = List.copyOf(plan);
        layerErrors = List.copyOf(layerErrors);
        trials = List.copyOf(trials);
        warnings = List.copyOf(warnings);
    }

    /** INT8's measured throughput over FP32's, both timed in this run on this machine; NaN where either was not timed. */
    @com.fasterxml.jackson.annotation.JsonProperty("int8_over_fp32")
    public double int8OverFp32() {
        return int8 == null ? Double.NaN : int8.throughput() / fp32.throughput();
    }

    /** The FP32 baseline on the full evaluation set. */
    public record Fp32(double accuracy, int images, double throughput) {}

    /** The written plan: its candidate key, the stage it was last measured on, and its op counts. */
    public record Int8(String candidate, String stage, double accuracy, int images, double throughput, int int8Ops, List<String> fp32Ops,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> bf16Ops) {
        public Int8 {
            fp32Ops = List.copyOf(fp32Ops);
            bf16Ops = List.copyOf(bf16Ops);
        }

        public Int8(String candidate, String stage, double accuracy, int images, double throughput, int int8Ops, List<String> fp32Ops) {
            this(candidate, stage, accuracy, images, throughput, int8Ops, fp32Ops, List.of());
        }
    }

    public record Counts(int trials, int fullEvaluations, int subsetEvaluations, int resumed) {}

    /**
     * The precisions an op falls back through when INT8 misses the criterion, and why BF16 is or is not among them
     * (measured: BF16's per-layer floor against FP32's on this CPU).
     */
    public record Fallback(List<String> order, String why, boolean bf16Faster, double bf16FloorMs, double fp32FloorMs) {
        public Fallback {
            order = List.copyOf(order);
        }
    }

    /** One op of the written plan; weights as on the command line ({@code per-channel}). */
    public record PlanRow(String op, String precision, String weights, String algorithm) {}

    /** Error of one layer of the written plan against FP32 (SQNR infinite, null in JSON, where it is exact). */
    public record LayerErrorRow(String op, String precision, double sqnrDb, double cosine) {}

    /**
     * One trial, as the history records it; {@code predictedFull}, for subset trials only, is the full-set top-1 the
     * subset's flips predict (the subset holds the least confident images, so its own top-1 is far lower).
     */
    public record TrialRow(int trial, String phase, String stage, String algorithm, String weights, List<String> fp32Ops, double accuracy,
                           int images, double divergence, int disagreements, double seconds, double throughput, Boolean passed,
                           boolean resumed, @JsonInclude(JsonInclude.Include.NON_NULL) Double predictedFull,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> bf16Ops) {
        public TrialRow {
            fp32Ops = List.copyOf(fp32Ops);
            bf16Ops = List.copyOf(bf16Ops);
        }

        public TrialRow(int trial, String phase, String stage, String algorithm, String weights, List<String> fp32Ops, double accuracy,
                        int images, double divergence, int disagreements, double seconds, double throughput, Boolean passed,
                        boolean resumed, Double predictedFull) {
            this(trial, phase, stage, algorithm, weights, fp32Ops, accuracy, images, divergence, disagreements, seconds, throughput,
                    passed, resumed, predictedFull, List.of());
        }

        /** "kl/per-channel", with the BF16 and FP32 ops named when there are any. */
        public String planText() {
            String base = algorithm + "/" + weights;
            if (!bf16Ops.isEmpty()) base += " + " + bf16Ops.size() + " BF16: " + String.join(", ", bf16Ops);
            return fp32Ops.isEmpty() ? base : base + " + " + fp32Ops.size() + " FP32: " + String.join(", ", fp32Ops);
        }
    }

    public record Seconds(double calibration, double total) {}

    /** Where the outputs went; {@code history} only with a work directory. */
    public record Outputs(String model, String plan, String json, String html, @JsonInclude(JsonInclude.Include.NON_NULL) String history) {}

    /** One line of JSON, as the report file holds it. */
    public String toJson() {
        return Json.write(this);
    }
}
