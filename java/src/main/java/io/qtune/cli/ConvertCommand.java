package io.qtune.cli;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune convert --to bf16}: the whole-model BF16 GraphDef that stock TF and the oneDNN engine both run. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a frozen FP32 graph to another precision. bf16: BatchNorm folded, then the convolutions, "
                + "the matmul and the ops between them as DT_BFLOAT16 (weights stored as bfloat16), Casts where the "
                + "type changes; the input, Mean, softmax_tensor and ArgMax stay FP32 (ArgMax:0 float32 as in the INT8 graph).",
                "Stock TF runs it in bf16 through its oneDNN kernels on a CPU with avx512_bf16 or AMX; the oneDNN engine "
                        + "runs its convolutions as bf16 primitives."})
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, paramLabel = "PRECISION", description = "Target precision: bf16.")
    String to;

    @Option(names = "--model", paramLabel = "FILE", description = "Frozen FP32 GraphDef. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the BF16 GraphDef.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!to.equals("bf16")) throw new QtuneException("--to must be bf16, got '" + to + "'");
        Path modelFile = model != null ? model : ProxyModel.file();
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("--out", out)), List.of(modelFile));
        Graph bf16 = Passes.convertToBf16(GraphDefCodec.read(modelFile));
        GraphDefCodec.write(bf16, out);
        Map<String, Integer> inBf16 = new TreeMap<>(), inFp32 = new TreeMap<>();
        for (Node n : bf16.nodes()) {
            if (n.op().equals(Ops.CONST) || n.op().equals(Ops.CAST) || n.op().equals(Ops.PLACEHOLDER)) continue;
            (n.attrType("T", DType.FLOAT) == DType.BFLOAT16 ? inBf16 : inFp32).merge(n.op(), 1, Integer::sum);
        }
        long casts = bf16.nodes().stream().filter(n -> n.op().equals(Ops.CAST)).count();
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "wrote %s: BF16 %s; FP32 %s; %d Casts at the boundaries%n", out, inBf16, inFp32, casts);
        o.flush();
        return 0;
    }
}
