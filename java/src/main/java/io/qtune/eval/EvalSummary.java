package io.qtune.eval;

import io.qtune.QtuneException;
import io.qtune.Sha256;
import io.qtune.data.LabeledImages;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code eval --json} writes: the ratios (top1, top5, the metric's score) and the counts they come from, with
 * what a merge must check to add shards up exactly: the model's and the data set's digests, the engine, the label
 * offset, the metric and which block of the set this is ({@code first..end} of {@code data_images}, shard K of N).
 */
public record EvalSummary(String model, String modelSha256, String engine, String data, String dataSha256, int dataImages,
                          int labelOffset, Metric.TopK metric, Shard shard, int first, int end, int top1Correct,
                          int top5Correct, double imagesPerSecond, int mergedParts) {
    public int count() {
        return end - first;
    }

    public double top1() {
        return count() == 0 ? 0 : (double) top1Correct / count();
    }

    public double top5() {
        return count() == 0 ? 0 : (double) top5Correct / count();
    }

    public double score() {
        return metric == Metric.TopK.TOP1 ? top1() : top5();
    }

    /** The first keys are those eval --json always wrote; the rest carry the counts and what a merge checks. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("top1", top1());
        m.put("top5", top5());
        m.put("count", count());
        m.put("images_per_second", imagesPerSecond);
        m.put("top1_correct", top1Correct);
        m.put("top5_correct", top5Correct);
        m.put("metric", metric.id());
        m.put("score", score());
        m.put("model", model);
        m.put("model_sha256", modelSha256);
        m.put("engine", engine);
        m.put("data", data);
        m.put("data_sha256", dataSha256);
        m.put("data_images", dataImages);
        m.put("label_offset", labelOffset);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("index", shard.index());
        s.put("count", shard.count());
        s.put("first", first);
        s.put("end", end);
        m.put("shard", s);
        if (mergedParts > 0) m.put("merged_parts", mergedParts);
        return m;
    }

    /** Reads what {@link #toMap()} wrote; {@code where} (the file) names it in errors. */
    public static EvalSummary fromMap(Object parsed, String where) {
        if (!(parsed instanceof Map<?, ?> m)) throw new QtuneException(where + ": not an eval JSON object");
        Map<?, ?> s = m.get("shard") instanceof Map<?, ?> sm ? sm : null;
        if (s == null) throw new QtuneException(where + ": has no \"shard\" object: it was not written by a sharded evaluation");
        try {
            return new EvalSummary(str(m, "model", where), str(m, "model_sha256", where), str(m, "engine", where), str(m, "data", where),
                    str(m, "data_sha256", where), num(m, "data_images", where), num(m, "label_offset", where),
                    Metric.parse(str(m, "metric", where)), new Shard(num(s, "index", where), num(s, "count", where)),
                    num(s, "first", where), num(s, "end", where), num(m, "top1_correct", where), num(m, "top5_correct", where),
                    m.get("images_per_second") instanceof Number n ? n.doubleValue() : Double.NaN,
                    m.get("merged_parts") instanceof Number n ? n.intValue() : 0);
        } catch (QtuneException e) {
            throw new QtuneException(where + ": " + e.getMessage(), e);
        }
    }

    private static String str(Map<?, ?> m, String key, String where) {
        if (!(m.get(key) instanceof String v)) throw new QtuneException(where + ": \"" + key + "\" is missing or not a string");
        return v;
    }

    private static int num(Map<?, ?> m, String key, String where) {
        if (!(m.get(key) instanceof Number v) || v.doubleValue() != Math.rint(v.doubleValue())) {
            throw new QtuneException(where + ": \"" + key + "\" is missing or not a whole number");
        }
        return v.intValue();
    }

    /**
     * Digest of what identifies the images independently of where they are mounted: the count, image size, number
     * of labels and every image's id and label (not the pixels: decoding a whole set twice would cost what the
     * evaluation does).
     */
    public static String dataDigest(LabeledImages d, int n) {
        MessageDigest md = Sha256.digest();
        ByteBuffer bb = ByteBuffer.allocate(16);
        md.update(bb.putInt(n).putInt(d.height()).putInt(d.width()).putInt(d.numLabels()).array());
        for (int i = 0; i < n; i++) {
            md.update(bb.clear().putInt(d.label(i)).array(), 0, 4);
            byte[] id = d.id(i).getBytes(StandardCharsets.UTF_8);
            md.update(bb.clear().putInt(id.length).array(), 0, 4);
            md.update(id);
        }
        return Sha256.hex(md);
    }
}
