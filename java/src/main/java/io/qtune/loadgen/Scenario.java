package io.qtune.loadgen;

import io.qtune.QtuneException;
import java.util.Arrays;

/**
 * The four MLPerf Inference scenarios and the rule numbers that go with them for ResNet50, from LoadGen's
 * {@code mlperf.conf} and {@code test_settings.h} defaults (current rules): every scenario runs at least 600 s;
 * SingleStream reports the 90th percentile latency, MultiStream the 99th of queries of 8 samples, Server must keep
 * the 99th percentile within 15 ms, Offline needs at least 24,576 samples in its one query; LoadGen's default
 * minimum of 100 queries holds where mlperf.conf sets none.
 */
public enum Scenario {
    OFFLINE("Offline", 0.90, 1, 24_576),
    SERVER("Server", 0.99, 1, 100),
    SINGLE_STREAM("SingleStream", 0.90, 1, 100),
    MULTI_STREAM("MultiStream", 0.99, 8, 662);

    /** MLPerf's minimum run length, every scenario. */
    public static final long MLPERF_MIN_DURATION_NS = 600_000_000_000L;
    /** ResNet50's Server latency bound. */
    public static final long RESNET50_SERVER_BOUND_NS = 15_000_000L;

    private final String mlperfName;
    private final double percentile;
    private final int samplesPerQuery;
    private final long mlperfMinQueries;

    Scenario(String mlperfName, double percentile, int samplesPerQuery, long mlperfMinQueries) {
        this.mlperfName = mlperfName;
        this.percentile = percentile;
        this.samplesPerQuery = samplesPerQuery;
        this.mlperfMinQueries = mlperfMinQueries;
    }

    /** The name LoadGen prints (e.g. "SingleStream"). */
    public String mlperfName() {
        return mlperfName;
    }

    /** The latency percentile the scenario judges or reports (Offline: only reported). */
    public double percentile() {
        return percentile;
    }

    /** Samples per query (MultiStream: 8); Offline's single query holds them all. */
    public int samplesPerQuery() {
        return samplesPerQuery;
    }

    /** MLPerf's minimum query count (Offline: samples in its one query). */
    public long mlperfMinQueries() {
        return mlperfMinQueries;
    }

    /** From the command line: offline, server, singlestream, multistream (any case, '-' and '_' ignored). */
    public static Scenario parse(String s) {
        String k = s == null ? "" : s.toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
        for (Scenario sc : values()) if (sc.mlperfName.toLowerCase(java.util.Locale.ROOT).equals(k)) return sc;
        throw new QtuneException("unknown scenario '" + s + "' (use one of "
                + Arrays.stream(values()).map(v -> v.mlperfName.toLowerCase(java.util.Locale.ROOT)).toList() + ")");
    }
}
