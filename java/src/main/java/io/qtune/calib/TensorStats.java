package io.qtune.calib;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Streaming statistics per tensor for calibration: min/max of the finite values, a histogram of |x|, and optionally
 * the same per channel of the last (NHWC) axis. Activations are looked at once and never kept: memory is O(bins) per
 * tensor (plus O(channels x channel bins) for per-channel histograms).
 *
 * <h2>Independent of batch size and order</h2>
 * Intel's 2020 tool took a min/max per batch and froze a percentile of the batch maxima, so its ranges moved with the
 * batch size and the order of the images. Here every statistic is an exact, commutative and associative merge:
 * <ul>
 *   <li>min and max are global (with -0 reported as +0, since which zero a min keeps would depend on order);</li>
 *   <li>NaN, +inf and -inf are counted and kept out of min, max and histograms;</li>
 *   <li>the histogram has a power-of-two bin width fixed by the largest |x| alone ({@link AbsHistogram}); each batch is
 *       binned at its own width and merged exactly into the coarser one, with long counts.</li>
 * </ul>
 * So the same images in any order, in any batch size, on any number of threads, give bit-identical statistics and
 * therefore bit-identical ranges. This is one pass over the data; the price is that the histogram resolution is
 * between half and all of its bins over [0, max|x|] (never less than 2048 bins with the default 16384).
 *
 * <p>Thread-safe: {@link #observe} may be called from several threads, also for the same tensor (min/max are reduced
 * outside the tensor's lock; the histogram is counted under it, straight into the tensor's bins, so no batch-sized
 * scratch is allocated). {@link #merge} folds in another collector, for per-thread collection.
 */
public final class TensorStats {
    private final StatsConfig config;
    private final Kernels kernels;
    private final Map<String, Accumulator> tensors = new ConcurrentHashMap<>();

    public TensorStats() {
        this(StatsConfig.DEFAULT, Kernels.standard());
    }

    public TensorStats(StatsConfig config) {
        this(config, Kernels.standard());
    }

    /** With pinned kernels (the tests': package-private, so io.qtune.kernels stays out of the module's API). */
    TensorStats(StatsConfig config, Kernels kernels) {
        this.config = config;
        this.kernels = kernels;
    }

    public StatsConfig config() {
        return config;
    }

    /** Adds data[offset, offset+length) to the statistics of {@code tensor}. */
    public void observe(String tensor, float[] data, int offset, int length) {
        checkSlice(tensor, data, offset, length);
        Accumulator batch = batch(data, offset, length, 0);
        accumulator(tensor).add(tensor, batch, data, offset, length, kernels);
    }

    /**
     * Adds data[offset, offset+length), laid out as rows x channels (the last axis of an NHWC tensor), and keeps
     * per-channel statistics as well. A tensor must be observed with the same channel count every time.
     */
    public void observe(String tensor, float[] data, int offset, int length, int channels) {
        checkSlice(tensor, data, offset, length);
        if (channels < 1 || length % channels != 0) {
            throw new QtuneException("tensor '" + tensor + "': " + length + " values do not split into " + channels + " channels");
        }
        Accumulator batch = batch(data, offset, length, channels);
        accumulator(tensor).add(tensor, batch, data, offset, length, kernels);
    }

    /** Folds another collector's statistics into this one (exact; the order of merges does not matter). */
    public void merge(TensorStats other) {
        if (other == this) throw new QtuneException("tensor stats: cannot merge a collector into itself");
        if (!other.config.equals(config)) {
            throw new QtuneException("tensor stats: cannot merge collectors with different configs: " + config + " vs " + other.config);
        }
        for (String name : new TreeSet<>(other.tensors.keySet())) {
            Accumulator src = other.tensors.get(name);
            Accumulator copy;
            synchronized (src) {
                copy = src.copy();
            }
            accumulator(name).merge(name, copy);
        }
    }

    public Set<String> tensors() {
        return Collections.unmodifiableSet(new TreeSet<>(tensors.keySet()));
    }

    public TensorSummary summary(String tensor) {
        Accumulator a = tensors.get(tensor);
        if (a == null) throw new QtuneException("tensor '" + tensor + "' was never observed during calibration");
        synchronized (a) {
            return a.summary(tensor);
        }
    }

    /** Every tensor's summary, by name. */
    public SortedMap<String, TensorSummary> summaries() {
        SortedMap<String, TensorSummary> out = new TreeMap<>();
        for (String name : tensors()) out.put(name, summary(name));
        return Collections.unmodifiableSortedMap(out);
    }

    private Accumulator accumulator(String tensor) {
        if (tensor == null || tensor.isEmpty()) throw new QtuneException("tensor stats: tensor name is empty");
        return tensors.computeIfAbsent(tensor, k -> new Accumulator(config.histogramBins()));
    }

    private static void checkSlice(String tensor, float[] data, int offset, int length) {
        if (data == null) throw new QtuneException("tensor '" + tensor + "': data is null");
        if (offset < 0 || length < 0 || (long) offset + length > data.length) {
            throw new QtuneException("tensor '" + tensor + "': slice [" + offset + ", " + ((long) offset + length)
                    + ") is outside an array of length " + data.length);
        }
    }

    /** Min/max (and per-channel statistics) of one batch on their own, outside any lock; no histogram yet. */
    private Accumulator batch(float[] data, int offset, int length, int channels) {
        Accumulator b = new Accumulator(0);
        b.values = length;
        long[] counts = new long[3];
        float[] mm = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        if (channels > 0) {
            int rows = length / channels;
            b.channels = channels;
            b.chMin = new float[channels];
            b.chMax = new float[channels];
            java.util.Arrays.fill(b.chMin, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(b.chMax, Float.NEGATIVE_INFINITY);
            kernels.minmaxChannels(data, offset, rows, channels, b.chMin, b.chMax, counts);
            for (int c = 0; c < channels; c++) { // the tensor's min/max are those of its channels
                if (b.chMin[c] < mm[0]) mm[0] = b.chMin[c];
                if (b.chMax[c] > mm[1]) mm[1] = b.chMax[c];
            }
            if (config.channelHistogramBins() > 0) {
                b.channelHistograms(data, offset, rows, config.channelHistogramBins());
            }
        } else {
            kernels.minmax(data, offset, length, mm, counts);
        }
        b.nan = counts[0];
        b.posInf = counts[1];
        b.negInf = counts[2];
        b.min = mm[0];
        b.max = mm[1];
        return b;
    }

    /** Mutable statistics of one tensor; guarded by its own monitor once shared. */
    private static final class Accumulator {
        long values, nan, posInf, negInf;
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        int exponent = AbsHistogram.NO_EXPONENT;
        long[] hist;
        int channels; // 0: not observed per channel
        float[] chMin, chMax;
        int[] chExponent;
        long[][] chHist;

        /** bins = 0: a batch's statistics, whose histogram is counted straight into the tensor's (see add). */
        Accumulator(int bins) {
            hist = bins == 0 ? null : new long[bins];
        }

        Accumulator copy() {
            Accumulator a = new Accumulator(0);
            a.values = values;
            a.nan = nan;
            a.posInf = posInf;
            a.negInf = negInf;
            a.min = min;
            a.max = max;
            a.exponent = exponent;
            a.hist = hist == null ? null : hist.clone();
            a.channels = channels;
            if (chMin != null) {
                a.chMin = chMin.clone();
                a.chMax = chMax.clone();
            }
            if (chHist != null) {
                a.chExponent = chExponent.clone();
                a.chHist = new long[chHist.length][];
                for (int c = 0; c < chHist.length; c++) a.chHist[c] = chHist[c].clone();
            }
            return a;
        }

        /** Per-channel |x| histograms of one batch, each at its own channel's exponent. */
        void channelHistograms(float[] data, int offset, int rows, int bins) {
            chExponent = new int[channels];
            chHist = new long[channels][bins];
            float[] scale = new float[channels];
            for (int c = 0; c < channels; c++) {
                float maxAbs = chMin[c] <= chMax[c] ? Math.max(Math.abs(chMin[c]), Math.abs(chMax[c])) : 0f;
                chExponent[c] = AbsHistogram.exponentFor(maxAbs, bins);
                scale[c] = AbsHistogram.scaleFor(chExponent[c]);
            }
            int last = bins - 1;
            float lastF = last;
            for (int r = 0; r < rows; r++) {
                int base = offset + r * channels;
                for (int c = 0; c < channels; c++) {
                    float v = Math.abs(data[base + c]);
                    if (v <= Float.MAX_VALUE) {
                        float f = v * scale[c];
                        chHist[c][f < lastF ? (int) f : last]++;
                    }
                }
            }
        }

        /**
         * Merges a batch's min/max, then counts its |x| straight into this tensor's histogram at the exponent the merged
         * maximum needs (rebinning what is there first: exact, see {@link AbsHistogram}).
         */
        synchronized void add(String tensor, Accumulator b, float[] data, int offset, int length, Kernels kernels) {
            merge(tensor, b);
            long finite = b.values - b.nan - b.posInf - b.negInf;
            if (finite == 0) return;
            float maxAbs = Math.max(Math.abs(b.min), Math.abs(b.max));
            int e = Math.max(exponent, AbsHistogram.exponentFor(maxAbs, hist.length));
            if (e != exponent) {
                hist = AbsHistogram.rebin(hist, exponent, e);
                exponent = e;
            }
            if (maxAbs == 0f) {
                hist[0] += finite; // all zeros: bin 0 at any width
            } else {
                kernels.absHistogram(data, offset, length, AbsHistogram.scaleFor(exponent), hist, hist.length);
            }
        }

        synchronized void merge(String tensor, Accumulator b) {
            if (b.values == 0) return; // an empty batch adds nothing, whatever its layout
            if (values == 0) {
                channels = b.channels;
            } else if (channels != b.channels) {
                throw new QtuneException("tensor '" + tensor + "': observed with " + describe(channels) + " before, now with "
                        + describe(b.channels) + "; use one layout for every batch");
            }
            values += b.values;
            nan += b.nan;
            posInf += b.posInf;
            negInf += b.negInf;
            min = lower(min, b.min);
            max = upper(max, b.max);
            if (b.hist != null) {
                int e = Math.max(exponent, b.exponent);
                long[] mine = AbsHistogram.rebin(hist, exponent, e);
                long[] theirs = AbsHistogram.rebin(b.hist, b.exponent, e);
                for (int i = 0; i < mine.length; i++) mine[i] += theirs[i];
                hist = mine;
                exponent = e;
            }
            if (b.chMin != null) {
                if (chMin == null) {
                    chMin = b.chMin.clone();
                    chMax = b.chMax.clone();
                } else {
                    for (int c = 0; c < channels; c++) {
                        chMin[c] = lower(chMin[c], b.chMin[c]);
                        chMax[c] = upper(chMax[c], b.chMax[c]);
                    }
                }
            }
            if (b.chHist != null) {
                if (chHist == null) {
                    chExponent = b.chExponent.clone();
                    chHist = new long[channels][];
                    for (int c = 0; c < channels; c++) chHist[c] = b.chHist[c].clone();
                } else {
                    for (int c = 0; c < channels; c++) {
                        int ec = Math.max(chExponent[c], b.chExponent[c]);
                        long[] x = AbsHistogram.rebin(chHist[c], chExponent[c], ec);
                        long[] y = AbsHistogram.rebin(b.chHist[c], b.chExponent[c], ec);
                        for (int i = 0; i < x.length; i++) x[i] += y[i];
                        chHist[c] = x;
                        chExponent[c] = ec;
                    }
                }
            }
        }

        TensorSummary summary(String name) {
            ValueStats stats = new ValueStats(min, max, new AbsHistogram(exponent, hist.clone()));
            List<ValueStats> perChannel = new ArrayList<>();
            if (chMin != null) {
                for (int c = 0; c < channels; c++) {
                    AbsHistogram h = chHist == null ? null : new AbsHistogram(chExponent[c], chHist[c].clone());
                    perChannel.add(new ValueStats(chMin[c], chMax[c], h));
                }
            }
            return new TensorSummary(name, values, nan, posInf, negInf, stats, perChannel);
        }

        private static String describe(int channels) {
            return channels == 0 ? "no channel axis" : channels + " channels";
        }
    }

    // min/max of two already-normalised values (zeros are +0, so the order of the arguments never shows)
    private static float lower(float a, float b) {
        return b < a ? b : a;
    }

    private static float upper(float a, float b) {
        return b > a ? b : a;
    }
}
