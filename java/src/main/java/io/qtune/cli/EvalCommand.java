package io.qtune.cli;

import io.qtune.AtomicFiles;

import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.eval.EvalResult;
import io.qtune.eval.Evaluator;
import io.qtune.graph.GraphDefCodec;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.file.Path;
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

    @Option(names = LabelOffset.OPTION, paramLabel = "K", description = "Model class = label + K. Default: from the class counts (1001 outputs for 1000 labels: 1).")
    Integer labelOffset;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write {top1, top5, count, images_per_second} as JSON.")
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
        try (LabeledImages images = DataSpec.open(dataSpec, out.imageSize());
             Classifier classifier = Classifiers.open(engine, modelFile, Runtime.getRuntime().availableProcessors())) {
            LabelOffset offset = LabelOffset.forDataset(images, out.classes(),
                    labelOffset == null ? OptionalInt.empty() : OptionalInt.of(labelOffset));
            int total = limit <= 0 ? images.size() : Math.min(limit, images.size());
            Progress progress = new Progress(err, "eval " + engine, total);
            EvalResult r = new Evaluator(batch, BatchLoader.Options.defaults()).evaluate(classifier, images, offset, limit, progress);
            progress.finish();
            if (r.nonFinite() > 0) {
                String what = r.nonFinite() + " of " + r.count() + " images got non-finite scores (NaN or infinity) and count as wrong";
                if (strict) throw new io.qtune.QtuneException(what + " (--strict)");
                err.println("warning: " + what);
                err.flush();
            }
            PrintWriter o = spec.commandLine().getOut();
            o.printf("model: %s%ndata: %s (%d images, label offset %d)%nengine: %s%n", modelFile, dataSpec, r.count(), offset.offset(), engine);
            o.printf(java.util.Locale.ROOT, "top-1: %.4f%ntop-5: %.4f%nimages/s: %.1f%n", r.top1(), r.top5(), r.imagesPerSecond());
            o.flush();
            if (json != null) AtomicFiles.write(json, (r.toJson() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return 0;
    }
}
