package io.qtune.cli;

import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.ModelSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Prints what a frozen graph contains and what the inference passes make of it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's inputs, outputs, op counts before and after fusion, parameters and MACs per image.")
public final class InspectCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Frozen TensorFlow GraphDef (.pb).")
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelSummary s = ModelSummary.of(GraphDefCodec.read(model));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("model: %s%n", model);
        for (var p : s.inputs()) out.printf("input:  %-28s %-7s %s%n", p.name(), p.dtype(), Arrays.toString(p.shape()));
        for (var p : s.outputs()) out.printf("output: %-28s %-7s %s (%s)%n", p.name(), p.dtype(), Arrays.toString(p.shape()), p.op());
        out.printf("%-52s %9s %9s%n", "op", "imported", "fused");
        TreeSet<String> ops = new TreeSet<>(s.opsImported().keySet());
        ops.addAll(s.opsFused().keySet());
        for (String op : ops) out.printf("%-52s %9s %9s%n", op, count(s.opsImported(), op), count(s.opsFused(), op));
        out.printf("%-52s %9d %9d%n", "total", total(s.opsImported()), total(s.opsFused()));
        out.printf("parameters: %,d (%,d after folding batch norm)%n", s.parameters(), s.parametersFused());
        out.printf("MACs per image: %,d (%s)%n", s.macsPerImage(),
                s.macsPerImage() >= 1e9 ? String.format("%.2f G", s.macsPerImage() / 1e9) : String.format("%.2f M", s.macsPerImage() / 1e6));
        out.flush();
        return 0;
    }

    private static String count(Map<String, Integer> m, String op) {
        return m.containsKey(op) ? String.valueOf(m.get(op)) : "-";
    }

    private static int total(Map<String, Integer> m) {
        return m.values().stream().mapToInt(Integer::intValue).sum();
    }
}
