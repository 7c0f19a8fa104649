package io.qtune.cli;

import io.qtune.AtomicFiles;

import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.Json;
import io.qtune.Sha256;
import io.qtune.data.ImageRange;
import io.qtune.eval.EvalResult;
import io.qtune.eval.EvalSummary;
import io.qtune.eval.Evaluator;
import io.qtune.eval.Metric;
import io.qtune.eval.Shard;
import io.qtune.graph.GraphDefCodec;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Top-1 / top-5 accuracy of a model on a labeled data set, on oneDNN or TensorFlow. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure top-1 and top-5 accuracy of a frozen graph (FP32 or INT8) on a labeled data set.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "FILE", description = "Frozen GraphDef (.pb). Default: the embedded proxy ResNet50 (Fashion-MNIST).")
    Path model;

    @Option(names = "--data", paramLabel = "SPEC", description = "Data set: " + DataSpec.FORMS + ". Default: fashion-mnist:test.")
    String data;

    @Option(names = "--engine", paramLabel = "NAME", defaultValue = "onednn", description = "Runtime: onednn or tf (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Evaluate only the first N images (0: all).")
    int limit;

    @Option(names = "--strict", description = "Fail (exit code 2) when any image gets a non-finite score (NaN or infinity); "
            + "without it such images count as wrong and a warning gives their number.")
    boolean strict;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per inference call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--label-offset", paramLabel = "K", description = "Model class = label + K. Default: from the class counts (1001 outputs for 1000 labels: 1).")
    Integer labelOffset;

    @Option(names = "--metric", paramLabel = "M", defaultValue = "top1", description = "The score to report: top1 or top5 (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--shard", paramLabel = "K/N", description = "Evaluate only shard K of N (K = 0..N-1): the K-th of N contiguous blocks of the"
            + " (--limit) set, the same split on every machine; combine the parts' --json with eval-merge.")
    String shard;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON: top1, top5, the counts they come from, the metric's"
            + " score, and the model, data set and shard, which eval-merge checks.")
    Path json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path modelFile = model != null ? model : ProxyModel.file();
        String dataSpec = data != null ? data : ProxyModel.DEFAULT_DATA;
        if (limit < 0) throw new io.qtune.QtuneException("--limit must be 0 (all) or more, got " + limit);
        io.qtune.OutputPaths.check(java.util.List.of(new io.qtune.OutputPaths.Output("--json", json)), java.util.List.of(modelFile));
        var out = Classifiers.ScoresOutput.of(GraphDefCodec.read(modelFile));
        PrintWriter err = spec.commandLine().getErr();
        Metric.TopK m = Metric.parse(metric);
        Shard part = shard == null ? Shard.ALL : Shard.parse(shard);
        try (LabeledImages all = DataSpec.open(dataSpec, out.imageSize());
             Classifier classifier = Classifiers.open(engine, modelFile, Runtime.getRuntime().availableProcessors())) {
            LabelOffset offset = LabelOffset.forDataset(all, out.classes(),
                    labelOffset == null ? OptionalInt.empty() : OptionalInt.of(labelOffset));
            int total = limit <= 0 ? all.size() : Math.min(limit, all.size());
            int first = part.first(total), end = part.end(total);
            LabeledImages images = new ImageRange(all, first, end);
            Progress progress = new Progress(err, "eval " + engine, images.size());
            EvalResult r = new Evaluator(batch, BatchLoader.Options.defaults()).evaluate(classifier, images, offset, 0, progress);
            progress.finish();
            // TF's oneDNN dispatches as qtune's does (both read ONEDNN_MAX_CPU_ISA), so the warning holds for either engine
            String saturation = io.qtune.semantics.Int8Saturation.warning(io.qtune.graph.GraphDefCodec.read(modelFile),
                    io.qtune.semantics.Int8Saturation.cpu());
            if (saturation != null) {
                err.println("warning: " + saturation);
                err.flush();
            }
            if (r.nonFinite() > 0) {
                String what = r.nonFinite() + " of " + r.count() + " images got non-finite scores (NaN or infinity) and count as wrong";
                if (strict) throw new io.qtune.QtuneException(what + " (--strict)");
                err.println("warning: " + what);
                err.flush();
            }
            PrintWriter o = spec.commandLine().getOut();
            io.qtune.platform.Machine machine = io.qtune.platform.Machine.current();
            o.println(machine.header());
            o.printf("model: %s%ndata: %s (%d images, label offset %d)%nengine: %s%n", modelFile, dataSpec, r.count(), offset.offset(), engine);
            if (part.count() > 1) o.printf("shard: %s (images %d..%d of %d)%n", part, first, end - 1, total);
            o.printf(java.util.Locale.ROOT, "top-1: %.4f%ntop-5: %.4f%nimages/s: %.1f%n", r.top1(), r.top5(), r.imagesPerSecond());
            if (m != Metric.TOP1) o.printf(java.util.Locale.ROOT, "metric %s: %.4f%n", m.id(), m.of(r));
            o.flush();
            if (json != null) {
                EvalSummary s = new EvalSummary(modelFile.toString(), Sha256.hex(modelFile), engine, dataSpec, EvalSummary.dataDigest(all, total),
                        total, offset.offset(), m, part, first, end, r.top1Correct(), r.top5Correct(), r.imagesPerSecond(), 0);
                Map<String, Object> j = new LinkedHashMap<>(s.toMap());
                if (r.nonFinite() > 0) j.put("non_finite", r.nonFinite());
                j.put("machine", machine.toMap()); // its images/s mean nothing without it; eval-merge ignores it
                AtomicFiles.write(json, (Json.write(j) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return 0;
    }
}
