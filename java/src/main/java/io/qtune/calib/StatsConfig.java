package io.qtune.calib;

import io.qtune.QtuneException;

/**
 * How much a {@link TensorStats} keeps per tensor.
 *
 * @param histogramBins bins of the per-tensor |x| histogram; a power of two, at least 4096 so that the 2048-bin view
 *     the KL and MSE searches use never has a gap (the occupied part of a power-of-two histogram spans more than half
 *     of its bins). 16384 by default: 128 KiB per tensor.
 * @param channelHistogramBins bins of each per-channel histogram (only for tensors observed per channel): 0 for
 *     per-channel min/max only (the default), else a power of two of at least 1024. Memory is channels x bins longs.
 */
public record StatsConfig(int histogramBins, int channelHistogramBins) {
    public static final StatsConfig DEFAULT = new StatsConfig(16384, 0);

    public StatsConfig {
        if (histogramBins < 4096 || histogramBins > (1 << 22) || Integer.bitCount(histogramBins) != 1) {
            throw new QtuneException("stats config: histogram bins must be a power of two in [4096, 4194304], got "
                    + histogramBins);
        }
        if (channelHistogramBins != 0 && (channelHistogramBins < 1024 || channelHistogramBins > (1 << 16)
                || Integer.bitCount(channelHistogramBins) != 1)) {
            throw new QtuneException("stats config: channel histogram bins must be 0 or a power of two in [1024, 65536], got "
                    + channelHistogramBins);
        }
    }
}
