package io.qtune.tune;

import io.qtune.QtuneException;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.quant.WeightGranularity;
import io.qtune.quant.WeightRange;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One point of the tuning space, as small data: a model-wide activation algorithm, weight granularity and weight range, the ops
 * that fall back to FP32 and those that fall back to BF16. The plan with its ranges follows from it and the
 * calibration statistics ({@link TuningSpace#plan}), so a candidate's {@link #key()} names the same plan in every run.
 */
public record Candidate(String algorithm, WeightGranularity weights, WeightRange weightRange, SortedSet<String> fp32Ops,
                        SortedSet<String> bf16Ops) {
    public Candidate {
        algorithm = RangeAlgorithm.parse(algorithm).spec();
        if (weights == null) throw new QtuneException("candidate: weight granularity is missing");
        if (weightRange == null) throw new QtuneException("candidate: weight range is missing");
        fp32Ops = Collections.unmodifiableSortedSet(new TreeSet<>(fp32Ops));
        TreeSet<String> b = new TreeSet<>(bf16Ops);
        b.removeAll(fp32Ops);
        bf16Ops = Collections.unmodifiableSortedSet(b);
    }

    public Candidate(String algorithm, WeightGranularity weights, SortedSet<String> fp32Ops, SortedSet<String> bf16Ops) {
        this(algorithm, weights, WeightRange.DEFAULT, fp32Ops, bf16Ops);
    }

    public Candidate(String algorithm, WeightGranularity weights, SortedSet<String> fp32Ops) {
        this(algorithm, weights, fp32Ops, new TreeSet<>());
    }

    public static Candidate allInt8(String algorithm, WeightGranularity weights) {
        return new Candidate(algorithm, weights, new TreeSet<>());
    }

    public static Candidate allInt8(String algorithm, WeightGranularity weights, WeightRange range) {
        return new Candidate(algorithm, weights, range, new TreeSet<>(), new TreeSet<>());
    }

    public Candidate withFp32(Collection<String> ops) {
        TreeSet<String> s = new TreeSet<>(fp32Ops);
        s.addAll(ops);
        return new Candidate(algorithm, weights, weightRange, s, bf16Ops);
    }

    /** The ops out of INT8 into BF16 (an op already FP32 stays FP32). */
    public Candidate withBf16(Collection<String> ops) {
        TreeSet<String> b = new TreeSet<>(bf16Ops);
        b.addAll(ops);
        return new Candidate(algorithm, weights, weightRange, fp32Ops, b);
    }

    /** The ops out of INT8 into the given fallback precision. */
    public Candidate withFallback(Collection<String> ops, io.qtune.quant.Precision precision) {
        return switch (precision) {
            case BF16 -> withBf16(ops);
            case FP32 -> withFp32(ops);
            default -> throw new IllegalArgumentException("not a fallback precision: " + precision);
        };
    }

    public Candidate withInt8(String op) {
        TreeSet<String> s = new TreeSet<>(fp32Ops), b = new TreeSet<>(bf16Ops);
        s.remove(op);
        b.remove(op);
        return new Candidate(algorithm, weights, weightRange, s, b);
    }

    public Candidate withConfig(String algo, WeightGranularity w) {
        return new Candidate(algo, w, weightRange, fp32Ops, bf16Ops);
    }

    /** The ops not in INT8, FP32 or BF16, in name order. */
    public SortedSet<String> fallbackOps() {
        TreeSet<String> all = new TreeSet<>(fp32Ops);
        all.addAll(bf16Ops);
        return Collections.unmodifiableSortedSet(all);
    }

    public String weightsName() {
        return weights == WeightGranularity.PER_CHANNEL ? "per-channel" : "per-tensor";
    }

    /**
     * Stable and readable: {@code minmax/per-channel}, {@code kl/per-tensor/8bit/fp32=a,b} or {@code .../bf16=c}; the
     * weight range is named where it is not the default (a history's options name the ranges searched).
     */
    public String key() {
        String base = algorithm + "/" + weightsName() + (weightRange == WeightRange.DEFAULT ? "" : "/" + weightRange.spec());
        if (!fp32Ops.isEmpty()) base += "/fp32=" + String.join(",", fp32Ops);
        return bf16Ops.isEmpty() ? base : base + "/bf16=" + String.join(",", bf16Ops);
    }

    @Override
    public String toString() {
        return key();
    }
}
