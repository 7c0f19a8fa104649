package io.qtune.calib;

import java.util.List;

/**
 * Everything collected for one tensor: how many values were observed, how many of them were NaN / +inf / -inf
 * (those never enter min, max or histograms), the statistics of the finite values, and per channel of the last axis
 * when asked for (empty list otherwise).
 */
public record TensorSummary(String name, long values, long nanCount, long posInfCount, long negInfCount,
        ValueStats stats, List<ValueStats> channels) {
    public TensorSummary {
        channels = List.copyOf(channels);
    }

    public long nonFiniteCount() {
        return nanCount + posInfCount + negInfCount;
    }

    public boolean perChannel() {
        return !channels.isEmpty();
    }
}
