package io.qtune.cli;

import io.qtune.AtomicFiles;
import io.qtune.Json;

import io.qtune.QtuneException;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifiers;
import io.qtune.export.Int8GraphWriter;
import io.qtune.graph.GraphDefCodec;
import io.qtune.quant.QuantPlan;
import io.qtune.quant.Quantizer;
import io.qtune.quant.WeightGranularity;
import io.qtune.quant.WeightRange;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Calibrates an FP32 graph and writes the INT8 GraphDef in Intel's format. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Calibrate a frozen FP32 graph and write the INT8 GraphDef (Intel's quantized ops, ArgMax:0 as FP32).")
public final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "FILE", description = "Frozen FP32 GraphDef. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--calib", paramLabel = "SPEC", description = "Calibration images: " + DataSpec.FORMS
            + ". Default with the embedded model: fashion-mnist:train.")
    String calib;

    @Option(names = "--calib-size", paramLabel = "N", defaultValue = "500", description = "Images to calibrate on, spread evenly over the set (default: ${DEFAULT-VALUE}).")
    int calibSize;

    @Option(names = "--calib-algo", paramLabel = "ALGO", defaultValue = "minmax", description = "Activation ranges: minmax, kl, mse or percentile[:P] (default: ${DEFAULT-VALUE}).")
    String algorithm;

    @Mixin
    SchemeOption scheme;

    @Option(names = "--weights", paramLabel = "G", defaultValue = "per-channel", description = "Weight granularity: per-channel or per-tensor (default: ${DEFAULT-VALUE}).")
    String weights;

    /** The help text of {@code --weight-range}, shared with {@code tune}. */
    static final String WEIGHT_RANGE_HELP = "Filter codes: 7bit (-63..63: the same integers on every x86-64 CPU, since "
            + "a CPU without VNNI adds u8 x s8 products in saturating 16-bit pairs) or 8bit (-127..127: exact only on CPUs with "
            + "VNNI or AMX)";

    @Option(names = "--weight-range", paramLabel = "R", defaultValue = "7bit", description = WEIGHT_RANGE_HELP + " (default: ${DEFAULT-VALUE}).")
    String weightRange;

    @Option(names = "--plan", paramLabel = "FILE", description = "A quant plan (JSON) whose per-op settings and frozen ranges override the defaults.")
    Path plan;

    @Option(names = "--save-plan", paramLabel = "FILE", description = "Write the plan used, with every range, as JSON.")
    Path savePlan;

    @Option(names = "--argmax-output", paramLabel = "MODE", defaultValue = "cast", description = "cast: TF-valid FP32 ArgMax:0 through a Cast (default); attr-edit: NVIDIA's one-attribute edit, which stock TF cannot load.")
    String argMax;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the INT8 GraphDef.")
    Path out;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write a summary as JSON.")
    Path json;

    @Spec
    CommandSpec spec;

    static WeightGranularity granularity(String s) {
        return switch (s) {
            case "per-channel" -> WeightGranularity.PER_CHANNEL;
            case "per-tensor" -> WeightGranularity.PER_TENSOR;
            default -> throw new QtuneException("--weights must be per-channel or per-tensor, got '" + s + "'");
        };
    }

    static Int8GraphWriter.ArgMaxOutput argMaxOutput(String s) {
        return switch (s) {
            case "cast" -> Int8GraphWriter.ArgMaxOutput.CAST;
            case "attr-edit" -> Int8GraphWriter.ArgMaxOutput.ATTR_EDIT;
            default -> throw new QtuneException("--argmax-output must be cast or attr-edit, got '" + s + "'");
        };
    }

    @Override
    public Integer call() {
        scheme.check();
        Path modelFile = model != null ? model : ProxyModel.file();
        String calibSpec = calib != null ? calib : model == null ? "fashion-mnist:train" : null;
        // all outputs are checked before calibration: --json or --save-plan failing after the .pb is written is too late
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("--out", out),
                new io.qtune.OutputPaths.Output("--save-plan", savePlan), new io.qtune.OutputPaths.Output("--json", json)),
                java.util.Arrays.asList(modelFile, plan));
        Quantizer q = Quantizer.builder().algorithm(RangeAlgorithm.parse(algorithm)).weights(granularity(weights))
                .weightRange(WeightRange.parse(weightRange)).calibSize(calibSize)
                .plan(plan == null ? QuantPlan.empty() : QuantPlan.read(plan)).argMaxOutput(argMaxOutput(argMax)).build();
        PrintWriter err = spec.commandLine().getErr();
        int size = Classifiers.ScoresOutput.of(GraphDefCodec.read(modelFile)).imageSize();
        Quantizer.Result r;
        try (LabeledImages images = calibSpec == null ? null : DataSpec.open(calibSpec, size)) {
            Progress progress = new Progress(err, "calibrate", images == null ? 0 : Math.min(calibSize, images.size()));
            r = q.quantize(modelFile, images, out, progress);
            if (r.calibrationImages() > 0) progress.finish();
        }
        if (savePlan != null) r.plan().write(savePlan);
        long int8 = r.plan().ops().values().stream().filter(o -> o.precision() == io.qtune.quant.Precision.INT8).count();
        long bf16 = r.plan().ops().values().stream().filter(o -> o.precision() == io.qtune.quant.Precision.BF16).count();
        PrintWriter o = spec.commandLine().getOut();
        // BF16 ops are DT_BFLOAT16 TF ops in the file: TF and the oneDNN engine both run them in bf16
        o.printf(Locale.ROOT, "wrote %s: %d ops INT8, %d BF16, %d FP32; calibrated on %d images in %.1f s (%s, %s weights)%n",
                out, int8, bf16, r.plan().ops().size() - int8 - bf16,
                r.calibrationImages(), r.calibrationSeconds(), algorithm, weights + " " + weightRange);
        for (String n : r.notes()) o.println("note: " + n);
        List<String> warnings = new java.util.ArrayList<>(r.warnings());
        String saturation = io.qtune.semantics.Int8Saturation.warning(r.int8Graph(), io.qtune.semantics.Int8Saturation.cpu());
        if (saturation != null) warnings.add(saturation);
        for (String w : warnings) err.println("warning: " + w);
        o.flush();
        err.flush();
        if (json != null) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("model", modelFile.toString());
            summary.put("out", out.toString());
            summary.put("calib", calibSpec);
            summary.put("calib_images", r.calibrationImages());
            summary.put("calib_seconds", r.calibrationSeconds());
            summary.put("algorithm", algorithm);
            summary.put("weights", weights);
            summary.put("weight_range", weightRange);
            summary.put("int8_ops", int8);
            summary.put("bf16_ops", bf16);
            summary.put("fp32_ops", r.plan().ops().size() - int8 - bf16);
            summary.put("notes", r.notes());
            summary.put("warnings", warnings);
            AtomicFiles.write(json, (Json.write(summary) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return 0;
    }
}
