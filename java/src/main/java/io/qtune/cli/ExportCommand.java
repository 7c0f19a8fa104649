package io.qtune.cli;

import io.qtune.QtuneException;
import io.qtune.quant.PlanDecisions;
import io.qtune.onnx.OnnxExporter;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.quant.Precision;
import io.qtune.quant.QuantPlan;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune export --format onnx}: the fused network as ONNX, FP32 or (with a plan) INT8 in QDQ form. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a frozen FP32 graph to another format. ONNX (opset " + OnnxExporter.OPSET + "): the FP32 "
                + "network, or with --plan the INT8 network in QDQ form (QuantizeLinear/DequantizeLinear with the plan's "
                + "scales: u8 activations, s8 per-channel weights, int32 bias) that ONNX Runtime fuses to QLinearConv.",
                "The input stays NHWC, as in the TF graph; the outputs keep their TF names."})
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "Output format: onnx.")
    String format;

    @Option(names = "--model", paramLabel = "FILE", description = "Frozen FP32 GraphDef. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--plan", paramLabel = "FILE", description = "A quant plan (JSON, from quantize --save-plan or tune): export the INT8 network.")
    Path plan;

    @Option(names = "--residual-add", paramLabel = "FORM", defaultValue = "float",
            description = "INT8 convolutions that add a residual: float (qtune's arithmetic: conv output in float, one "
                    + "requantization; ONNX Runtime runs those convs in float) or int8 (QLinearConv then QLinearAdd: every "
                    + "conv in int8 in ONNX Runtime, one more rounding per block) (default: ${DEFAULT-VALUE}).")
    String residualAdd;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the model (.onnx).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!format.equals("onnx")) throw new QtuneException("--format must be onnx, got '" + format + "'");
        Path modelFile = model != null ? model : ProxyModel.file();
        OnnxExporter.ResidualAdd form = switch (residualAdd) {
            case "float" -> OnnxExporter.ResidualAdd.FLOAT;
            case "int8" -> OnnxExporter.ResidualAdd.INT8;
            default -> throw new QtuneException("--residual-add must be float or int8, got '" + residualAdd + "'");
        };
        QuantPlan p = plan == null ? null : QuantPlan.read(plan);
        OnnxExporter.Result r = new OnnxExporter(form).write(Passes.fuseForInference(GraphDefCodec.read(modelFile)),
                p == null ? null : new PlanDecisions(p), out);
        PrintWriter o = spec.commandLine().getOut();
        if (p == null) {
            o.printf(Locale.ROOT, "wrote %s: FP32 ONNX (opset %d), %d nodes, %d bytes%n", out, OnnxExporter.OPSET, r.nodes(), r.bytes().length);
        } else {
            long int8 = p.ops().values().stream().filter(op -> op.precision() == Precision.INT8).count();
            o.printf(Locale.ROOT, "wrote %s: INT8 QDQ ONNX (opset %d, residual add in %s), %d nodes, %d bytes; plan: %d ops INT8, %d not%n",
                    out, OnnxExporter.OPSET, residualAdd, r.nodes(), r.bytes().length, int8, p.ops().size() - int8);
        }
        for (String n : r.notes()) o.println("note: " + n);
        o.flush();
        return 0;
    }
}
