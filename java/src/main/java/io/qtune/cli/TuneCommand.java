package io.qtune.cli;

import io.qtune.QtuneException;
import io.qtune.data.DataSpec;
import io.qtune.tune.AccuracyCriterion;
import io.qtune.eval.Metric;
import io.qtune.tune.Candidate;
import io.qtune.tune.Search;
import io.qtune.tune.Strategy;
import io.qtune.tune.TrialRuntime;
import io.qtune.tune.Stage;
import io.qtune.tune.Trial;
import io.qtune.tune.Tuner;
import io.qtune.tune.TuningListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Accuracy-driven tuning: a thin layer over {@link Tuner}. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Search INT8 plans until one meets the accuracy criterion; write the model, its plan and a JSON + HTML report.",
                "Exit code 0: criterion met; 4: not met, the best plan so far was written; 2: bad input."})
public final class TuneCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "FILE", description = "Frozen FP32 GraphDef. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--calib", paramLabel = "SPEC", description = "Calibration images: " + DataSpec.FORMS + ". Default with the embedded model: fashion-mnist:train.")
    String calib;

    @Option(names = "--calib-size", paramLabel = "N", defaultValue = "500", description = "Images to calibrate on (default: ${DEFAULT-VALUE}).")
    int calibSize;

    @Option(names = "--eval", paramLabel = "SPEC", description = "Labeled evaluation images. Default with the embedded model: fashion-mnist:test.")
    String eval;

    @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "0", description = "Evaluate on N images spread over the set (default: all).")
    int evalLimit;

    @Option(names = "--subset", paramLabel = "N", defaultValue = "1000", description = "Screening subset: the N eval images FP32 is least sure of, where quantization flips predictions (default: ${DEFAULT-VALUE}).")
    int subset;

    @Option(names = "--criterion", paramLabel = "C", defaultValue = "relative:0.01", description = "relative:F (of FP32's --metric) or absolute:F (default: ${DEFAULT-VALUE}).")
    String criterion;

    @Option(names = "--metric", paramLabel = "M", defaultValue = "top1", description = "The score the criterion applies to: top1 or top5 (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "sensitivity", description = "basic (the reference order) or sensitivity (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--objective", paramLabel = "O", defaultValue = "first-pass", description = "first-pass or fastest (default: ${DEFAULT-VALUE}).")
    String objective;

    @Option(names = "--time-budget", paramLabel = "T", description = "Stop searching after T (90s, 10m, 2h); the best plan so far is written.")
    String timeBudget;

    @Option(names = "--max-trials", paramLabel = "N", defaultValue = "0", description = "Stop after N new trials (0: no limit; negative is an error); trials resumed from --workdir do not count (default: no limit).")
    int maxTrials;

    @Option(names = "--runtime", paramLabel = "R", defaultValue = "auto", description = "auto (oneDNN when it runs INT8 graphs, else TF), onednn or tf (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Mixin
    SchemeOption scheme;

    @Option(names = "--fallback", paramLabel = "ORDER", description = "Where ops out of INT8 go: bf16,fp32 (INT8 -> BF16 -> FP32, "
            + "the reference tool's order) or fp32 (default: bf16,fp32 where the CPU runs bf16 natively and not clearly slower than fp32, else fp32).")
    String fallback;

    @Option(names = "--weight-range", paramLabel = "R[,R]", defaultValue = "7bit", description = QuantizeCommand.WEIGHT_RANGE_HELP
            + "; a list (7bit,8bit) is tried in that order as one more axis of the search (default: ${DEFAULT-VALUE}).")
    String weightRange;

    @Option(names = "--workdir", paramLabel = "DIR", description = "Keep the tuning history here (one JSON line per trial); rerunning resumes from it.")
    Path workdir;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the INT8 GraphDef (its plan goes beside it as NAME.plan.json).")
    Path out;

    @Option(names = "--json", paramLabel = "FILE", description = "The JSON report (default: NAME.tune.json beside --out); the HTML report goes beside it.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "The HTML report (default: beside the JSON report).")
    Path html;

    @Spec
    CommandSpec spec;

    static List<io.qtune.quant.Precision> fallbackOrder(String s) {
        if (s == null) return null;
        return switch (s.strip()) {
            case "bf16,fp32" -> List.of(io.qtune.quant.Precision.BF16, io.qtune.quant.Precision.FP32);
            case "fp32" -> List.of(io.qtune.quant.Precision.FP32);
            default -> throw new QtuneException("--fallback must be bf16,fp32 or fp32, got '" + s + "'");
        };
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        scheme.check();
        Tuner.Builder b = Tuner.builder().model(model).calib(calib).calibSize(calibSize).eval(eval).evalLimit(evalLimit).subsetSize(subset)
                .criterion(AccuracyCriterion.parse(criterion)).metric(Metric.parse(metric)).strategy(Strategy.named(strategy))
                .objective(Search.Objective.parse(objective)).maxTrials(maxTrials).runtime(TrialRuntime.parse(runtime))
                .fallback(fallbackOrder(fallback))
                .weightRanges(java.util.Arrays.stream(weightRange.split(",", -1)).map(String::strip).map(io.qtune.quant.WeightRange::parse).toList())
                .workdir(workdir).out(this.out).json(json).html(html).shutdownHook(true);
        if (timeBudget != null) b.timeBudget(Tuner.parseDuration(timeBudget));
        if (evalLimit < 0) throw new io.qtune.QtuneException("--eval-limit must be 0 (all) or more, got " + evalLimit);
        String label = metric.equals("top1") ? "top-1" : metric.equals("top5") ? "top-5" : metric;
        b.listener(new TuningListener() {
            Progress calibration;

            @Override
            public void calibrating(int done, int total) {
                if (calibration == null) calibration = new Progress(err, "calibrate", total);
                calibration.accept(done);
                if (done == total) calibration.finish();
            }

            @Override
            public void trialStarted(int index, String phase, Stage stage, Candidate c) {
                if (!Progress.stderrIsTerminal()) return; // in a log the finished line says it all, on a line of its own
                err.printf(Locale.ROOT, "\rtrial %d %s %s %s ...", index, phase, stage.id(), shortKey(c));
                err.flush();
                Progress.opened();
            }

            @Override
            public void trialFinished(Trial t) {
                err.printf(Locale.ROOT, "%strial %d %-11s %-6s %s %.4f%s%s%s %s%n", Progress.stderrIsTerminal() ? "\r" : "", t.index(), t.phase(), t.stage().id(), label, t.m().accuracy(),
                        Double.isNaN(t.m().divergence()) ? "" : String.format(Locale.ROOT, " KL %.5f", t.m().divergence()),
                        Double.isNaN(t.throughput()) ? "" : String.format(Locale.ROOT, " %.0f img/s", t.throughput()),
                        t.passed() == null ? "" : t.passed() ? " PASS" : " fail", (t.resumed() ? "(resumed) " : "") + shortKey(t.candidate()));
                err.flush();
                Progress.closed();
            }

            @Override
            public void message(String line) {
                Progress.endOpenLine(err);
                err.println("note: " + line);
            }
        });
        out.println(io.qtune.platform.Machine.current().header());
        out.flush();
        Tuner.Result r = b.build().tune();
        out.printf(Locale.ROOT, "%s: FP32 %s %.4f, threshold %.4f (%s); wrote INT8 %s %.4f (%s, %s) to %s%n",
                r.met() ? "criterion met" : "criterion NOT met (best plan so far written)", label, r.fp32Accuracy(), r.threshold(), criterion,
                label, r.written().m().accuracy(), r.written().stage().id(), r.written().candidate().key(), this.out);
        out.printf(Locale.ROOT, "%d trials (%d full evaluations, %d subset evaluations, %d resumed) in %.1f s%s%n", r.trials(), r.fullEvaluations(),
                r.subsetEvaluations(), r.resumed(), r.seconds(), r.stopReason() == null ? "" : "; stopped: " + r.stopReason());
        out.println("report: " + r.report().outputs().json() + ", " + r.report().outputs().html());
        out.flush();
        return r.exitCode();
    }

    private static String shortKey(Candidate c) {
        String base = c.algorithm() + "/" + c.weightsName() + (c.weightRange() == io.qtune.quant.WeightRange.DEFAULT ? "" : "/" + c.weightRange().spec());
        if (!c.bf16Ops().isEmpty()) base += " +" + c.bf16Ops().size() + " BF16";
        return c.fp32Ops().isEmpty() ? base : base + " +" + c.fp32Ops().size() + " FP32";
    }
}
