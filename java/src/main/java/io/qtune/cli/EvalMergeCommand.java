package io.qtune.cli;

import io.qtune.AtomicFiles;
import io.qtune.Json;
import io.qtune.QtuneException;
import io.qtune.eval.EvalMerge;
import io.qtune.eval.EvalSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Combines the --json parts of a sharded eval into the full-set result. */
@Command(name = "eval-merge", mixinStandardHelpOptions = true,
        description = {"Combine the --json outputs of 'eval --shard K/N' (every K of one N) into the exact full-set result.",
                "Refuses parts of another model, data set, engine, label offset, metric or shard count, and overlapping or missing shards."})
public final class EvalMergeCommand implements Callable<Integer> {
    @Option(names = "--json", required = true, paramLabel = "OUT", description = "Where to write the merged result (the same JSON as an unsharded eval).")
    Path json;

    @Parameters(arity = "1..*", paramLabel = "PART.json", description = "The parts, in any order.")
    List<Path> parts;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<EvalSummary> read = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path p : parts) {
            String text;
            try {
                text = Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new QtuneException(p + ": cannot read: " + e.getMessage(), e);
            }
            read.add(EvalSummary.fromMap(Json.parse(text, p.toString()), p.toString()));
            names.add(p.toString());
        }
        EvalSummary m = EvalMerge.merge(read, names);
        AtomicFiles.write(json, (Json.write(m.toMap()) + "\n").getBytes(StandardCharsets.UTF_8));
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "merged %d shards: %d images, top-1 %.4f (%d), top-5 %.4f (%d) -> %s%n", m.mergedParts(), m.count(),
                m.top1(), m.top1Correct(), m.top5(), m.top5Correct(), json);
        o.flush();
        return 0;
    }
}
