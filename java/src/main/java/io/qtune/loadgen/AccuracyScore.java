package io.qtune.loadgen;

import io.qtune.QtuneException;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Top-1 from an accuracy log, counted as MLPerf's {@code accuracy-imagenet.py} counts it: the first entry of each
 * {@code qsl_idx} counts, later duplicates are ignored, the first float32 of its data is the predicted class, and
 * it is right when it is the label's model class (label + offset: 1 for a 1001-class model with background 0).
 */
public record AccuracyScore(int good, int total, int duplicates) {
    public double top1() {
        return total == 0 ? 0 : (double) good / total;
    }

    public static AccuracyScore of(List<AccuracyLog.Entry> entries, LabeledImages data, LabelOffset offset) {
        Set<Integer> seen = new HashSet<>();
        int good = 0;
        for (AccuracyLog.Entry e : entries) {
            if (!seen.add(e.qslIdx())) continue;
            if (e.qslIdx() >= data.size()) {
                throw new QtuneException("seq_id " + e.seqId() + ": qsl_idx " + e.qslIdx() + " is outside the data set's 0.." + (data.size() - 1));
            }
            int label = data.label(e.qslIdx());
            if (label < 0) throw new QtuneException(data.id(e.qslIdx()) + " has no label: score with a labeled data set");
            float found = e.firstFloat();
            if (found == offset.toModelClass(label)) good++;
        }
        return new AccuracyScore(good, seen.size(), entries.size() - seen.size());
    }
}
