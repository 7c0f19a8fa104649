package io.qtune.eval;

import io.qtune.QtuneException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Adds the shards of one evaluation up to the full-set result: counts are summed, so the ratios are exactly those
 * an unsharded run computes. Parts that do not belong together are refused: another model, data set, engine, label
 * offset, metric or shard count, a shard given twice, or one missing.
 */
public final class EvalMerge {
    private EvalMerge() {}

    /** @param names each part's file name, in the same order, for errors */
    public static EvalSummary merge(List<EvalSummary> parts, List<String> names) {
        if (parts.isEmpty()) throw new QtuneException("no parts to merge");
        EvalSummary a = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            EvalSummary p = parts.get(i);
            String where = names.get(i) + " does not belong with " + names.get(0) + ": ";
            same(where, "model (model_sha256)", a, p, EvalSummary::modelSha256);
            same(where, "data set (data_sha256)", a, p, EvalSummary::dataSha256);
            same(where, "data set size (data_images)", a, p, EvalSummary::dataImages);
            same(where, "engine", a, p, EvalSummary::engine);
            same(where, "label offset", a, p, EvalSummary::labelOffset);
            same(where, "metric", a, p, EvalSummary::metric);
            same(where, "shard count", a, p, s -> s.shard().count());
        }
        int n = a.shard().count();
        EvalSummary[] byIndex = new EvalSummary[n];
        for (int i = 0; i < parts.size(); i++) {
            EvalSummary p = parts.get(i);
            if (p.mergedParts() > 0) throw new QtuneException(names.get(i) + " is already a merged result");
            int k = p.shard().index();
            if (p.first() != p.shard().first(p.dataImages()) || p.end() != p.shard().end(p.dataImages())) {
                throw new QtuneException(names.get(i) + ": shard " + p.shard() + " of " + p.dataImages() + " images must cover "
                        + p.shard().first(p.dataImages()) + ".." + p.shard().end(p.dataImages()) + ", it says " + p.first() + ".." + p.end());
            }
            if (byIndex[k] != null) {
                throw new QtuneException(names.get(i) + ": shard " + p.shard() + " is also in " + names.get(parts.indexOf(byIndex[k])));
            }
            byIndex[k] = p;
        }
        List<Integer> missing = new ArrayList<>();
        for (int k = 0; k < n; k++) if (byIndex[k] == null) missing.add(k);
        if (!missing.isEmpty()) throw new QtuneException("shards " + missing + " of " + n + " are missing");
        int top1 = 0, top5 = 0;
        double seconds = 0;
        for (EvalSummary p : parts) {
            top1 += p.top1Correct();
            top5 += p.top5Correct();
            seconds += p.count() / p.imagesPerSecond();
        }
        int total = a.dataImages();
        // the merged throughput is that of one machine running every shard in turn
        return new EvalSummary(a.model(), a.modelSha256(), a.engine(), a.data(), a.dataSha256(), total, a.labelOffset(), a.metric(),
                Shard.ALL, 0, total, top1, top5, total / seconds, parts.size());
    }

    private static void same(String where, String what, EvalSummary a, EvalSummary b, Function<EvalSummary, Object> f) {
        if (!f.apply(a).equals(f.apply(b))) throw new QtuneException(where + "another " + what + ": " + f.apply(b) + " vs " + f.apply(a));
    }
}
