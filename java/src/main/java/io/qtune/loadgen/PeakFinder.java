package io.qtune.loadgen;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Server peak search: the highest target QPS whose run is VALID. Doubles from the start rate until a run fails
 * (halving first if the start rate already fails), then bisects until the bracket is within {@code precision}
 * (relative). Every trial is a full run with the same settings and seed; trials are bounded in number.
 */
public final class PeakFinder {
    public static final int MAX_TRIALS = 16;
    /** The search goes no lower than the start rate / 2^MAX_HALVINGS: slow trials take long and say little. */
    public static final int MAX_HALVINGS = 6;

    public record Trial(double qps, boolean valid, long p99Ns, double completedQps) {}

    public record Peak(double qps, Summary summary, List<Trial> trials) {
        public List<Map<String, Object>> trialMaps() {
            List<Map<String, Object>> l = new ArrayList<>();
            for (Trial t : trials) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target_qps", t.qps());
                m.put("valid", t.valid());
                m.put("p99_ns", t.p99Ns());
                m.put("completed_qps", t.completedQps());
                l.add(m);
            }
            return l;
        }
    }

    private PeakFinder() {}

    /**
     * @param run runs the Server scenario at a target QPS
     * @param log told one line per trial
     */
    public static Peak search(double startQps, double precision, DoubleFunction<Summary> run, java.util.function.Consumer<String> log) {
        if (!(startQps > 0)) throw InvalidSetting.mentioning("a peak search needs a positive starting ", "targetQps", ", got " + startQps);
        if (!(precision > 0 && precision < 1)) throw new QtuneException("peak precision must be in (0, 1)");
        List<Trial> trials = new ArrayList<>();
        Summary best = null;
        double lo = 0, hi = 0, q = startQps, floor = startQps / (1 << MAX_HALVINGS);
        while (trials.size() < MAX_TRIALS && q >= floor) { // find a bracket: lo VALID, hi INVALID
            Summary s = trial(q, run, trials, log);
            if (s.valid()) {
                best = s;
                lo = q;
                if (hi > 0) break;
                q *= 2;
            } else {
                hi = q;
                if (lo > 0) break;
                q /= 2;
            }
        }
        if (best == null) {
            Trial last = trials.get(trials.size() - 1);
            throw new QtuneException(String.format(Locale.ROOT, "no VALID Server run from %.3g down to %.3g QPS (%d trials); "
                    + "at %.3g QPS the p99 was %.3f ms", startQps, last.qps(), trials.size(), last.qps(), last.p99Ns() / 1e6));
        }
        while (hi > 0 && (hi - lo) / lo > precision && trials.size() < MAX_TRIALS) {
            double mid = (lo + hi) / 2;
            Summary s = trial(mid, run, trials, log);
            if (s.valid()) {
                lo = mid;
                best = s;
            } else {
                hi = mid;
            }
        }
        if (hi == 0) best.note("peak search stopped at its trial bound while every run was still VALID; the peak is higher");
        return new Peak(lo, best, trials);
    }

    private static Summary trial(double qps, DoubleFunction<Summary> run, List<Trial> trials, java.util.function.Consumer<String> log) {
        Summary s = run.apply(qps);
        Trial t = new Trial(qps, s.valid(), s.sampleLatencies().at(0.99), s.record().completedSamplesPerSecond());
        trials.add(t);
        log.accept(String.format(Locale.ROOT, "peak search: target %.2f QPS -> %s, p99 %.3f ms, completed %.2f samples/s",
                qps, t.valid() ? "VALID" : "INVALID (" + String.join("; ", s.reasons()) + ")", t.p99Ns() / 1e6, t.completedQps()));
        return s;
    }
}
