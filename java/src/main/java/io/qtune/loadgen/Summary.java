package io.qtune.loadgen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.qtune.QtuneException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a run in the shape of LoadGen's {@code mlperf_log_summary.txt} (and the same as JSON): the
 * scenario's metric, VALID or INVALID with each condition and the reason, early stopping and whether it changed the
 * result, latency statistics, and the settings. Whether the settings reach MLPerf's own minimums is stated apart:
 * a VALID run of 60 s is a valid check run, not an MLPerf result.
 */
public final class Summary {
    public static final String TEXT_FILE = "mlperf_log_summary.txt";
    public static final String JSON_FILE = "mlperf_log_summary.json";

    private final TestSettings settings;
    private final String sutName;
    private final RunRecord record;
    private final Percentiles sampleStats;
    private final Percentiles queryStats;
    private final boolean minDurationMet, minQueriesMet, perfConstraintsMet, earlyStoppingMet;
    private final List<String> earlyStoppingLines = new ArrayList<>();
    private final List<String> reasons = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final String metricName;
    private final double metricValue;
    private final Long earlyStoppingEstimateNs;
    private final boolean meetsMlperfMinimums;
    private final Map<String, Object> extra = new LinkedHashMap<>();

    /** A performance run's summary. */
    public Summary(TestSettings settings, String sutName, RunRecord r) {
        this.settings = settings;
        this.sutName = sutName;
        this.record = r;
        Scenario sc = settings.scenario();
        this.sampleStats = new Percentiles(r.sampleLatenciesNs());
        this.queryStats = new Percentiles(r.queryLatenciesNs());
        long judged = sc == Scenario.OFFLINE ? r.samples() : r.queries();
        this.minDurationMet = r.durationNs() >= settings.minDurationNs();
        this.minQueriesMet = judged >= settings.minQueries();
        double p = sc.percentile();
        Percentiles target = sc == Scenario.MULTI_STREAM ? queryStats : sampleStats;
        boolean perf = true, es = true;
        Long estimate = null;
        switch (sc) {
            case OFFLINE -> {
                metricName = "Samples per second";
                metricValue = r.completedSamplesPerSecond();
            }
            case SERVER -> {
                metricName = "Completed samples per second";
                metricValue = r.completedSamplesPerSecond();
                long pct = sampleStats.at(p);
                perf = pct <= settings.latencyBoundNs();
                if (!perf) reasons.add(pctName(p) + " percentile latency " + ms(pct) + " exceeds the bound " + ms(settings.latencyBoundNs()) + ": reduce the target QPS");
                int over = sampleStats.countAbove(settings.latencyBoundNs());
                es = EarlyStopping.serverPasses(r.queries(), over, p);
                if (es) {
                    earlyStoppingLines.add("Run successful: " + over + " of " + r.queries() + " queries over the bound.");
                } else {
                    long more = EarlyStopping.serverShortfall(r.queries(), over, p);
                    earlyStoppingLines.add("Run unsuccessful: " + over + " of " + r.queries() + " queries over the bound; would need "
                            + more + " more queries, every one under the bound.");
                    reasons.add("early stopping not satisfied (" + more + " more queries needed)");
                    if (perf) notes.add("early stopping changes the result: the " + pctName(p) + " latency is within the bound, "
                            + "but too few queries to claim it at 99% confidence");
                }
            }
            default -> {
                int t = EarlyStopping.estimateRank(target.count(), p);
                metricName = t == 0 ? pctName(p) + " percentile latency (ns)" : "Early stopping " + pctName(p) + " percentile estimate (ns)";
                if (t == 0) {
                    es = false;
                    long need = EarlyStopping.minQueries(p);
                    earlyStoppingLines.add("Only processed " + target.count() + " queries; need at least " + need + " for early stopping.");
                    reasons.add("early stopping needs at least " + need + " queries, the run had " + target.count());
                    metricValue = target.at(p);
                } else {
                    estimate = target.largest(t);
                    metricValue = estimate;
                    earlyStoppingLines.add("Processed at least " + EarlyStopping.minQueries(p) + " queries (" + target.count() + ").");
                    earlyStoppingLines.add("Would discard " + (t - 1) + " highest latency queries.");
                    earlyStoppingLines.add("Early stopping " + pctName(p) + " percentile estimate: " + estimate);
                    long plain = target.at(p);
                    if (estimate != plain) {
                        notes.add(String.format(Locale.ROOT, "early stopping changes the metric: the %s percentile is %s, the "
                                + "early-stopping estimate reported is %s", pctName(p), ms(plain), ms(estimate)));
                    }
                }
            }
        }
        this.perfConstraintsMet = perf;
        this.earlyStoppingMet = es;
        this.earlyStoppingEstimateNs = estimate;
        if (r.abortedReason() != null) reasons.add(0, r.abortedReason());
        if (!minDurationMet) {
            reasons.add("ran " + secs(r.durationNs()) + ", less than the minimum " + secs(settings.minDurationNs())
                    + (sc == Scenario.OFFLINE ? ": raise the target QPS (the expected rate) so the query holds more samples" : ""));
        }
        if (!minQueriesMet) reasons.add((sc == Scenario.OFFLINE ? "samples " : "queries ") + judged + " < minimum " + settings.minQueries());
        List<String> shortOf = new ArrayList<>();
        if (settings.minDurationNs() < Scenario.MLPERF_MIN_DURATION_NS) shortOf.add("duration " + secs(settings.minDurationNs()) + " < 600 s");
        if (settings.minQueries() < sc.mlperfMinQueries()) {
            shortOf.add((sc == Scenario.OFFLINE ? "min samples " : "min queries ") + settings.minQueries() + " < " + sc.mlperfMinQueries());
        }
        if (sc == Scenario.OFFLINE || sc == Scenario.SERVER) {
            if (settings.performanceSamples() < 1024) shortOf.add("performance samples " + settings.performanceSamples() + " < 1024");
        }
        this.meetsMlperfMinimums = shortOf.isEmpty();
        if (!shortOf.isEmpty()) {
            notes.add(0, "below MLPerf's minimums (" + String.join(", ", shortOf) + "): VALID here means valid for these "
                    + "settings, not an MLPerf result");
        }
    }

    public boolean valid() {
        return record.abortedReason() == null && minDurationMet && minQueriesMet && perfConstraintsMet && earlyStoppingMet;
    }

    /** Whether the settings reach MLPerf's minimum duration and counts. */
    public boolean meetsMlperfMinimums() {
        return meetsMlperfMinimums;
    }

    public double metric() {
        return metricValue;
    }

    public RunRecord record() {
        return record;
    }

    public Percentiles sampleLatencies() {
        return sampleStats;
    }

    public Percentiles queryLatencies() {
        return queryStats;
    }

    public List<String> reasons() {
        return List.copyOf(reasons);
    }

    public List<String> notes() {
        return List.copyOf(notes);
    }

    public TestSettings settings() {
        return settings;
    }

    /** Adds a note printed at the end and kept in the JSON. */
    public void note(String line) {
        notes.add(line);
    }

    /** Adds a top-level JSON field (and a text line under "Additional"). */
    public void put(String key, Object value) {
        extra.put(key, value);
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        String bar = "================================================\n";
        b.append(bar).append("MLPerf Results Summary\n").append(bar);
        b.append("SUT name : ").append(sutName).append('\n');
        b.append("Scenario : ").append(settings.scenario().mlperfName()).append('\n');
        b.append("Mode     : ").append(settings.mode().mlperfName).append('\n');
        Scenario sc = settings.scenario();
        if (sc == Scenario.SERVER || sc == Scenario.OFFLINE) {
            if (sc == Scenario.SERVER) line(b, "Scheduled samples per second", fmt(record.scheduledQps()));
            line(b, metricName, fmt(metricValue));
        } else {
            Percentiles target = sc == Scenario.MULTI_STREAM ? queryStats : sampleStats;
            line(b, pctName(sc.percentile()) + " percentile latency (ns)", Long.toString(target.at(sc.percentile())));
            if (earlyStoppingEstimateNs != null) line(b, metricName, Long.toString(earlyStoppingEstimateNs));
        }
        b.append("Result is : ").append(valid() ? "VALID" : "INVALID").append('\n');
        if (sc == Scenario.SERVER) b.append("  Performance constraints satisfied : ").append(yes(perfConstraintsMet)).append('\n');
        b.append("  Min duration satisfied : ").append(yes(minDurationMet)).append('\n');
        b.append("  Min queries satisfied : ").append(yes(minQueriesMet)).append('\n');
        b.append("  Early stopping satisfied: ").append(yes(earlyStoppingMet)).append('\n');
        for (String r : reasons) b.append("  Why INVALID: ").append(r).append('\n');
        if (!earlyStoppingLines.isEmpty()) {
            b.append("Early Stopping Result:\n");
            for (String l : earlyStoppingLines) b.append(" * ").append(l).append('\n');
        }
        b.append('\n').append(bar).append("Additional Stats\n").append(bar);
        if (sc != Scenario.OFFLINE) line(b, "QPS w/ loadgen overhead", fmt(record.queries() / (record.wallNs() / 1e9)));
        line(b, "Completed samples per second", fmt(record.completedSamplesPerSecond()));
        line(b, "Duration (ms)", fmt(record.wallNs() / 1e6));
        line(b, "Query count", Integer.toString(record.queries()));
        line(b, "Sample count", Integer.toString(record.samples()));
        b.append('\n');
        stats(b, sc == Scenario.MULTI_STREAM ? "per-query " : "", sc == Scenario.MULTI_STREAM ? queryStats : sampleStats);
        b.append('\n').append(bar).append("Test Parameters Used\n").append(bar);
        line(b, "samples_per_query", Integer.toString(sc == Scenario.OFFLINE ? record.samples() : sc.samplesPerQuery()));
        line(b, "target_qps", fmt(settings.targetQps()));
        if (sc == Scenario.SERVER) line(b, "target_latency (ns)", Long.toString(settings.latencyBoundNs()));
        line(b, "target_latency_percentile", fmt(sc.percentile()));
        line(b, "min_duration (ms)", Long.toString(settings.minDurationNs() / 1_000_000));
        line(b, "min_query_count", Long.toString(settings.minQueries()));
        line(b, "performance_sample_count", Integer.toString(settings.performanceSamples()));
        line(b, "seed", Long.toString(settings.seed()));
        if (!notes.isEmpty()) {
            b.append('\n').append(bar).append("Notes\n").append(bar);
            for (String n : notes) b.append(" * ").append(n).append('\n');
        }
        return b.toString();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        Scenario sc = settings.scenario();
        m.put("sut_name", sutName);
        m.put("scenario", sc.mlperfName());
        m.put("mode", settings.mode().mlperfName);
        m.put("metric", Map.of("name", metricName, "value", metricValue));
        m.put("result", valid() ? "VALID" : "INVALID");
        Map<String, Object> checks = new LinkedHashMap<>();
        if (sc == Scenario.SERVER) checks.put("performance_constraints", perfConstraintsMet);
        checks.put("min_duration", minDurationMet);
        checks.put("min_queries", minQueriesMet);
        checks.put("early_stopping", earlyStoppingMet);
        m.put("satisfied", checks);
        m.put("invalid_reasons", reasons);
        m.put("early_stopping", earlyStoppingLines);
        if (earlyStoppingEstimateNs != null) m.put("early_stopping_estimate_ns", earlyStoppingEstimateNs);
        m.put("meets_mlperf_minimums", meetsMlperfMinimums());
        m.put("scheduled_qps", record.scheduledQps());
        m.put("completed_samples_per_second", record.completedSamplesPerSecond());
        m.put("duration_ns", record.wallNs());
        m.put("judged_duration_ns", record.durationNs());
        m.put("query_count", record.queries());
        m.put("sample_count", record.samples());
        m.put("latency_ns", statsMap(sampleStats));
        if (sc == Scenario.MULTI_STREAM) m.put("query_latency_ns", statsMap(queryStats));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("target_qps", settings.targetQps());
        s.put("latency_bound_ns", settings.latencyBoundNs());
        s.put("percentile", sc.percentile());
        s.put("samples_per_query", sc == Scenario.OFFLINE ? record.samples() : sc.samplesPerQuery());
        s.put("min_duration_ns", settings.minDurationNs());
        s.put("min_queries", settings.minQueries());
        s.put("performance_samples", settings.performanceSamples());
        s.put("seed", settings.seed());
        m.put("settings", s);
        m.putAll(extra);
        m.put("notes", notes);
        return m;
    }

    public String toJson() {
        return json(toMap());
    }

    /** Pretty JSON of a map (Jackson), ending in a newline. */
    public static String json(Map<String, Object> m) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
        } catch (JsonProcessingException e) {
            throw new QtuneException("cannot write the summary as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> statsMap(Percentiles p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", p.min());
        m.put("max", p.max());
        m.put("mean", p.mean());
        for (double q : Percentiles.REPORTED) m.put(String.format(Locale.ROOT, "p%s", trim(q * 100)), p.at(q));
        return m;
    }

    private static void stats(StringBuilder b, String what, Percentiles p) {
        line(b, "Min " + what + "latency (ns)", Long.toString(p.min()));
        line(b, "Max " + what + "latency (ns)", Long.toString(p.max()));
        line(b, "Mean " + what + "latency (ns)", Long.toString(Math.round(p.mean())));
        for (double q : Percentiles.REPORTED) {
            line(b, String.format(Locale.ROOT, "%.2f percentile %slatency (ns)", q * 100, what), Long.toString(p.at(q)));
        }
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(String.format(Locale.ROOT, "%-32s: %s%n", key, value));
    }

    private static String pctName(double p) {
        return trim(p * 100) + "th";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(Math.round(v * 10) / 10.0);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ms(long ns) {
        return String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
    }

    private static String secs(long ns) {
        return String.format(Locale.ROOT, "%.1f s", ns / 1e9);
    }

    private static String yes(boolean b) {
        return b ? "Yes" : "NO";
    }
}
