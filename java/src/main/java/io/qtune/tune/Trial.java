package io.qtune.tune;

import io.qtune.QtuneException;
import io.qtune.quant.WeightGranularity;
import io.qtune.quant.WeightRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One evaluated candidate: where in the search it came from ({@code phase}), the stage, what was measured, whether
 * it passed the criterion (full-set trials only; null otherwise) and whether it was read back from the history.
 * Throughput is NaN until measured.
 */
public record Trial(int index, String phase, Stage stage, Candidate candidate, Measurement m, double throughput,
                    Boolean passed, boolean resumed) {
    public String key() {
        return stage.id() + ":" + candidate.key();
    }

    public Trial withThroughput(double ips) {
        return new Trial(index, phase, stage, candidate, m, ips, passed, resumed);
    }

    public Trial asResumed(int newIndex) {
        return new Trial(newIndex, phase, stage, candidate, m, throughput, passed, true);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("trial", index);
        o.put("phase", phase);
        o.put("stage", stage.id());
        o.put("algorithm", candidate.algorithm());
        o.put("weights", candidate.weightsName());
        o.put("weight_range", candidate.weightRange().spec());
        o.put("fp32_ops", new ArrayList<>(candidate.fp32Ops()));
        if (!candidate.bf16Ops().isEmpty()) o.put("bf16_ops", new ArrayList<>(candidate.bf16Ops()));
        o.put("accuracy", m.accuracy());
        o.put("images", m.images());
        o.put("divergence", m.divergence());
        o.put("disagreements", m.disagreements());
        o.put("seconds", m.seconds());
        o.put("throughput", throughput);
        o.put("passed", passed);
        o.put("resumed", resumed);
        return o;
    }

    /** Reads a line written from {@link #toMap()}; {@code where} names it in errors. */
    @SuppressWarnings("unchecked")
    public static Trial fromMap(Map<String, Object> o, String where) {
        try {
            String w = (String) o.get("weights");
            WeightGranularity g = switch (w) {
                case "per-channel" -> WeightGranularity.PER_CHANNEL;
                case "per-tensor" -> WeightGranularity.PER_TENSOR;
                default -> throw new QtuneException(where + ": unknown weights '" + w + "'");
            };
            List<String> ops = new ArrayList<>();
            for (Object x : (List<Object>) o.get("fp32_ops")) ops.add((String) x);
            List<String> bf16 = new ArrayList<>();
            if (o.get("bf16_ops") != null) for (Object x : (List<Object>) o.get("bf16_ops")) bf16.add((String) x);
            // a history written before the weight range was recorded used all of qint8
            String range = o.get("weight_range") == null ? WeightRange.EIGHT_BIT.spec() : (String) o.get("weight_range");
            Candidate c = new Candidate((String) o.get("algorithm"), g, WeightRange.parse(range), new TreeSet<>(ops), new TreeSet<>(bf16));
            Stage stage = Stage.valueOf(((String) o.get("stage")).toUpperCase(java.util.Locale.ROOT));
            Measurement m = new Measurement(num(o, "accuracy"), (int) num(o, "images"), num(o, "divergence"),
                    (int) num(o, "disagreements"), num(o, "seconds"));
            return new Trial((int) num(o, "trial"), (String) o.get("phase"), stage, c, m, num(o, "throughput"),
                    (Boolean) o.get("passed"), Boolean.TRUE.equals(o.get("resumed")));
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            if (e instanceof QtuneException q) throw q;
            throw new QtuneException(where + ": not a trial record (" + e.getMessage() + ")");
        }
    }

    private static double num(Map<String, Object> o, String k) {
        Object v = o.get(k);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }
}
