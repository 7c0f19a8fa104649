package io.qtune.cli;

import io.qtune.AtomicFiles;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifiers;
import io.qtune.graph.GraphDefCodec;
import io.qtune.loadgen.AccuracyLog;
import io.qtune.loadgen.AccuracyScore;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune loadgen-accuracy}: top-1 from an mlperf_log_accuracy.json, counted as MLPerf's accuracy-imagenet.py does. */
@Command(name = "loadgen-accuracy", mixinStandardHelpOptions = true,
        description = {"Top-1 accuracy from a LoadGen accuracy log (mlperf_log_accuracy.json) as MLPerf's accuracy-imagenet.py "
                + "computes it: each qsl_idx counted once (duplicates ignored), the first float32 of its data is the predicted "
                + "class, compared with the label + the label offset."})
public final class LoadgenAccuracyCommand implements Callable<Integer> {
    @Option(names = "--log", required = true, paramLabel = "FILE", description = "The accuracy log.")
    Path log;

    @Option(names = "--data", paramLabel = "SPEC", description = "The data set the log's qsl_idx index: " + DataSpec.FORMS + ". Default: fashion-mnist:test.")
    String data;

    @Option(names = "--model", paramLabel = "FILE", description = "The model that answered, for its class count (label offset). Default: the embedded proxy.")
    Path model;

    @Option(names = LabelOffset.OPTION, paramLabel = "K", description = "Model class = label + K. Default: from the model's class count.")
    Integer labelOffset;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write {top1, good, total, duplicates} as JSON.")
    Path json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<AccuracyLog.Entry> entries = AccuracyLog.read(log);
        Path modelFile = model != null ? model : ProxyModel.file();
        Classifiers.ScoresOutput out = Classifiers.ScoresOutput.of(GraphDefCodec.read(modelFile));
        try (LabeledImages images = DataSpec.open(data != null ? data : ProxyModel.DEFAULT_DATA, out.imageSize())) {
            LabelOffset offset = LabelOffset.forDataset(images, out.classes(),
                    labelOffset == null ? OptionalInt.empty() : OptionalInt.of(labelOffset));
            AccuracyScore s = AccuracyScore.of(entries, images, offset);
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "accuracy=%.3f%%, good=%d, total=%d%n", 100.0 * s.top1(), s.good(), s.total());
            o.printf(Locale.ROOT, "top-1: %.4f%nduplicates ignored: %d%n%s%n", s.top1(), s.duplicates(), offset);
            o.flush();
            if (json != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("top1", s.top1());
                m.put("good", s.good());
                m.put("total", s.total());
                m.put("duplicates", s.duplicates());
                m.put("label_offset", offset.offset());
                AtomicFiles.write(json, io.qtune.loadgen.Summary.json(m).getBytes(StandardCharsets.UTF_8));
            }
        }
        return 0;
    }
}
