package io.qtune.loadgen;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;

/**
 * How one LoadGen run is configured. The run is VALID only against these numbers; the summary says separately
 * whether they reach MLPerf's minimums ({@link Scenario}), so a short check run is never mistaken for a result.
 *
 * @param targetQps Server: the Poisson arrival rate; Offline: the expected samples/s that sizes the query
 *                  (0: measured during warm-up); SingleStream/MultiStream: unused
 * @param latencyBoundNs Server: the bound on the 99th percentile latency
 * @param minDurationNs the run lasts at least this long
 * @param minQueries and issues at least this many queries (Offline: samples)
 * @param performanceSamples size of the performance sample set loaded before timing
 * @param seed seeds the performance set, the sample order and the arrival times
 */
public record TestSettings(Scenario scenario, Mode mode, double targetQps, long latencyBoundNs, long minDurationNs,
                           long minQueries, int performanceSamples, long seed) {
    public enum Mode {
        PERFORMANCE("PerformanceOnly"), ACCURACY("AccuracyOnly");

        public final String mlperfName;

        Mode(String mlperfName) {
            this.mlperfName = mlperfName;
        }
    }

    public TestSettings {
        if (scenario == null || mode == null) throw new QtuneException("a LoadGen run needs a scenario and a mode");
        // settings named as the CLI's flags in camel case (targetQps: --target-qps): the CLI says its flag
        if (!(targetQps >= 0) || Double.isInfinite(targetQps)) throw new InvalidSetting("targetQps", "must be a positive number, got " + targetQps);
        if (scenario == Scenario.SERVER && mode == Mode.PERFORMANCE && targetQps == 0) {
            throw InvalidSetting.mentioning("the Server scenario needs a positive ", "targetQps", "");
        }
        if (latencyBoundNs <= 0) throw new InvalidSetting("latencyBound", "must be positive");
        if (minDurationNs < 0) throw new InvalidSetting("duration", "must not be negative");
        if (minQueries < 1) throw new InvalidSetting("minQueries", "must be at least 1, got " + minQueries);
        if (performanceSamples < 1) throw new InvalidSetting("samples", "must be at least 1, got " + performanceSamples);
    }

    public TestSettings withTargetQps(double qps) {
        return new TestSettings(scenario, mode, qps, latencyBoundNs, minDurationNs, minQueries, performanceSamples, seed);
    }
}
