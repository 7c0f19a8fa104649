package io.qtune.calib;

import io.qtune.QtuneException;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Ranges for every calibrated tensor, by name, and the warnings to show the user (fallbacks, NaN/inf seen, ...). */
public record CalibrationRanges(SortedMap<String, CalibratedRange> ranges, List<String> warnings) {
    public CalibrationRanges {
        ranges = Collections.unmodifiableSortedMap(new TreeMap<>(ranges));
        warnings = List.copyOf(warnings);
    }

    public TensorRange range(String tensor) {
        CalibratedRange r = ranges.get(tensor);
        if (r == null) throw new QtuneException("no calibrated range for tensor '" + tensor + "'");
        return r.range();
    }
}
