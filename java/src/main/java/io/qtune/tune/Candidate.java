package io.qtune.tune;

import io.qtune.QtuneException;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.quant.WeightGranularity;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One point of the tuning space, as small data: a model-wide activation algorithm and weight granularity, and the ops
 * that fall back to FP32. The plan with its ranges follows from it and the calibration statistics
 * ({@link TuningSpace#plan}), so a candidate's {@link #key()} names the same plan in every run.
 */
public record Candidate(String algorithm, WeightGranularity weights, SortedSet<String> fp32Ops) {
    public Candidate {
        algorithm = RangeAlgorithm.parse(algorithm).spec();
        if (weights == null) throw new QtuneException("candidate: weight granularity is missing");
        fp32Ops = Collections.unmodifiableSortedSet(new TreeSet<>(fp32Ops));
    }

    public static Candidate allInt8(String algorithm, WeightGranularity weights) {
        return new Candidate(algorithm, weights, new TreeSet<>());
    }

    public Candidate withFp32(Collection<String> ops) {
        TreeSet<String> s = new TreeSet<>(fp32Ops);
        s.addAll(ops);
        return new Candidate(algorithm, weights, s);
    }

    public Candidate withInt8(String op) {
        TreeSet<String> s = new TreeSet<>(fp32Ops);
        s.remove(op);
        return new Candidate(algorithm, weights, s);
    }

    public Candidate withConfig(String algo, WeightGranularity w) {
        return new Candidate(algo, w, fp32Ops);
    }

    public String weightsName() {
        return weights == WeightGranularity.PER_CHANNEL ? "per-channel" : "per-tensor";
    }

    /** Stable and readable: {@code minmax/per-channel} or {@code kl/per-tensor/fp32=a,b}. */
    public String key() {
        String base = algorithm + "/" + weightsName();
        return fp32Ops.isEmpty() ? base : base + "/fp32=" + String.join(",", fp32Ops);
    }

    @Override
    public String toString() {
        return key();
    }
}
